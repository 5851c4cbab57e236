// Package browse is qq browse: a full-screen terminal program over a qmail
// queue, built on bubbletea. It shows an overview with the queue's change
// over time, groups (top senders, domains, subjects, IPs, HELOs), a
// message list that loads details only for the rows on screen, and a
// message view; it filters with the filter query language
// (qmailqueue.ParseQuery) and removes or expires marked messages through
// the change engine (qmailqueue.Plan), with the plan shown for
// confirmation. A quarantine screen lists what qq rm and qq fsck kept and
// requeues marked entries through the requeue engine
// (qmailqueue.PlanRequeue, Quarantine.Requeue), as qq requeue does. Every
// string from the queue and the quarantine goes through termsafe before it
// is drawn.
package browse

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/qqmail/qq/qmailqueue/sendlog"
)

// Applier carries out a plan: for a removal, inside the stop → change →
// restart cycle with the quarantine, as qq rm does. progress is called
// once per message. The command wiring provides it.
type Applier func(ctx context.Context, p *qmailqueue.Plan, progress func()) (*qmailqueue.ChangeResult, error)

// Options configure the browser.
type Options struct {
	Queue *qmailqueue.Queue
	// Interval between refreshes; 0 means 2s.
	Interval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Query is the initial filter query.
	Query string
	// Apply carries out removals and expiries; nil disables them.
	Apply Applier
	// Attempts, when set, returns the last delivery attempts of a message
	// from qmail-send's log (sendlog.MessageAttempts).
	Attempts func(ctx context.Context, m *qmailqueue.Message) ([]sendlog.Attempt, error)
	// NoColor draws without colours (NO_COLOR).
	NoColor bool
	// Quarantine is the quarantine directory the quarantine screen shows;
	// "" leaves the screen out.
	Quarantine string
	// Injector is the qmail-queue that requeues quarantined messages; nil
	// disables requeueing.
	Injector *qmailqueue.Injector
}

// Screen is what the browser shows.
type Screen int

// The screens.
const (
	ScreenOverview Screen = iota
	ScreenGroups
	ScreenList
	ScreenMessage
	ScreenQuarantine
)

// Model is the browser's state; Update and View are bubbletea's.
type Model struct {
	opts   Options
	q      *qmailqueue.Queue
	ctx    context.Context
	cancel context.CancelFunc
	width  int
	height int
	styles styles

	// noTick stops the refresh clock (tests drive refreshes by hand).
	noTick bool

	screen   Screen
	help     bool
	quitting bool

	// The filter: its query text, and what it built.
	query      string
	filter     *qmailqueue.Filter
	filterErr  string
	input      textinput.Model
	filtering  bool
	statusLine string

	// Refreshing: one scan at a time; a refresh asked for during one runs
	// after it.
	scanning   bool
	again      bool
	lastStamp  stamp
	stampValid bool

	// Overview.
	summary    qmailqueue.Summary
	haveSum    bool
	prevSum    qmailqueue.Summary
	prevAt     time.Time
	sumAt      time.Time
	history    []int
	ratePerMin float64

	// Groups.
	groupKey    int
	groups      []report.Group
	groupsTotal report.Group
	groupCursor int

	// Message list.
	group      *groupRef
	sortKey    SortKey
	entries    messageList
	listCursor int
	listTop    int
	rows       map[uint64]*qmailqueue.Message
	marks      map[uint64]bool
	// planning counts the plans being made. The filter of one reads
	// marks itself (a copy would double the memory of a marked flood);
	// while marksShared, a change of marks goes to a copy (ownMarks).
	planning    int
	marksShared bool

	// Message view.
	detail     *detail
	viewScroll int

	// Acting: a plan waiting for confirmation, or a change under way.
	plan        *qmailqueue.Plan
	planErr     string
	applying    bool
	applyCancel context.CancelFunc
	// applyDone is closed when the change under way has returned (its
	// services restored); Run waits for it before it returns.
	applyDone chan struct{}
	progress  *atomic.Int64
	applyingN int
	result    string

	// The quarantine screen (quarantine.go).
	qz quarantineScreen
}

// New returns the browser's model.
func New(opts Options) *Model {
	if opts.Interval <= 0 {
		opts.Interval = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = now
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "sender:a@b subject:Free older:2h size>1M not"
	in.CharLimit = 1000
	// A steady cursor: a blinking one is a timer that redraws the screen
	// twice a second over ssh for nothing.
	in.Cursor.SetMode(cursor.CursorStatic)
	m := &Model{opts: opts, q: opts.Queue, ctx: ctx, cancel: cancel, width: 80, height: 24,
		styles: newStyles(opts.NoColor), input: in, rows: map[uint64]*qmailqueue.Message{}, marks: map[uint64]bool{},
		progress: &atomic.Int64{}, qz: quarantineScreen{marks: map[string]bool{}}}
	m.setQuery(opts.Query)
	return m
}

// setQuery parses and builds a filter query; a bad one keeps the filter in
// force and says why in the status line.
func (m *Model) setQuery(q string) bool {
	spec, err := qmailqueue.ParseQuery(q)
	var f *qmailqueue.Filter
	if err == nil {
		f, err = spec.Build(m.opts.Now())
	}
	if err != nil {
		m.filterErr = err.Error()
		return false
	}
	m.query, m.filter, m.filterErr = strings.TrimSpace(q), f, ""
	m.stampValid = false
	return true
}

// Messages of the program's commands.
type (
	tickMsg    time.Time
	scanResult struct {
		stamp   stamp
		summary *qmailqueue.Summary
		groups  []report.Group
		total   report.Group
		entries messageList
		listed  bool
		at      time.Time
		err     error
	}
	planResult struct {
		plan *qmailqueue.Plan
		err  error
	}
	applyResult struct {
		res *qmailqueue.ChangeResult
		err error
	}
	progressTick struct{}
	detailResult struct{ d detail }
)

// Init starts the first scan and the refresh clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.startScan(true), m.tick())
}

func (m *Model) tick() tea.Cmd {
	if m.noTick {
		return nil
	}
	return tea.Tick(m.opts.Interval, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// startScan starts a refresh unless one is running (then it runs again
// after). Without force, an unchanged queue (same directory stamp) is not
// scanned again.
func (m *Model) startScan(force bool) tea.Cmd {
	if m.scanning {
		m.again = m.again || force
		return nil
	}
	m.scanning = true
	q, filter, screen, key, sortKey, group := m.q, m.filter, m.screen, groupKeys[m.groupKey], m.sortKey, m.group
	prev, valid := m.lastStamp, m.stampValid && !force
	// The first refresh of the overview counts from directory listings
	// alone (as qq stat does), for a first screen fast on a large queue;
	// the full one, with bytes and the oldest message (qq stat --full),
	// follows at once. The other screens' scans give the full summary.
	sized := m.haveSum
	if !sized && screen == ScreenOverview {
		m.again = true
	}
	ctx := m.ctx
	clock := m.opts.Now
	hint := m.summary.Messages
	return func() tea.Msg {
		st := takeStamp(q)
		r := scanResult{stamp: st, at: clock()}
		if valid && st == prev {
			return r
		}
		// One scan for the screen's data and the summary.
		var s qmailqueue.Summary
		var err error
		switch screen {
		case ScreenList, ScreenMessage:
			s, r.entries, err = listQueue(ctx, q, filter, sortKey, group, hint)
			r.listed = true
		case ScreenGroups:
			s, r.groups, r.total, err = groupQueue(ctx, q, filter, key)
		default:
			s, err = q.Summarize(ctx, filter, sized)
		}
		if err != nil {
			r.err = err
			return r
		}
		r.summary = &s
		return r
	}
}

// Update handles a key, a window size, or a command's result.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.input.Width = max(10, msg.Width-4)
		return m, nil
	case tickMsg:
		if m.quitting {
			return m, nil
		}
		cmds := []tea.Cmd{m.startScan(false), m.tick()}
		if m.screen == ScreenQuarantine {
			cmds = append(cmds, m.loadQuarantine(false))
		}
		return m, tea.Batch(cmds...)
	case quarantineLoaded:
		return m, m.quarantineLoadedMsg(msg)
	case requeuePlanned:
		m.requeuePlannedMsg(msg)
		return m, nil
	case requeueDone:
		return m.requeued(msg)
	case entryViewLoaded:
		m.qz.view = &msg.view
		return m, nil
	case scanResult:
		m.scanning = false
		m.applyScan(msg)
		if m.again {
			m.again = false
			return m, m.startScan(true)
		}
		return m, nil
	case planResult:
		m.planning--
		m.marksShared = m.marksShared && m.planning > 0
		if msg.err != nil {
			m.planErr = msg.err.Error()
			return m, nil
		}
		if len(msg.plan.Items) == 0 {
			m.statusLine = "nothing to change: the marked messages have left the queue"
			return m, nil
		}
		m.plan = msg.plan
		return m, nil
	case applyResult:
		return m.applied(msg)
	case progressTick:
		if m.applying {
			return m, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return progressTick{} })
		}
		return m, nil
	case detailResult:
		m.detail, m.viewScroll = &msg.d, 0
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	if m.filtering {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

// applyScan takes a refresh's result into the model.
func (m *Model) applyScan(r scanResult) {
	if r.err != nil {
		m.statusLine = "refresh: " + r.err.Error()
		return
	}
	m.lastStamp, m.stampValid = r.stamp, true
	if r.summary == nil {
		return // nothing changed
	}
	if m.haveSum && !m.summary.Sized {
		// The quick first count is replaced by the full one.
		m.haveSum = false
		m.history = m.history[:len(m.history)-1]
	}
	if m.haveSum {
		m.prevSum, m.prevAt = m.summary, m.sumAt
		if el := r.at.Sub(m.prevAt); el > 0 {
			m.ratePerMin = float64(r.summary.Messages-m.prevSum.Messages) / el.Minutes()
		}
	}
	m.summary, m.sumAt, m.haveSum = *r.summary, r.at, true
	m.history = append(m.history, r.summary.Messages)
	if len(m.history) > 60 {
		m.history = m.history[len(m.history)-60:]
	}
	if r.groups != nil || m.screen == ScreenGroups {
		m.groups, m.groupsTotal = r.groups, r.total
		m.groupCursor = min(m.groupCursor, max(0, len(m.groups)-1))
	}
	if r.listed {
		m.entries = r.entries
		m.rows = map[uint64]*qmailqueue.Message{}
		m.listCursor = min(m.listCursor, max(0, m.entries.Len()-1))
		m.loadWindow()
	}
}

// pageSize is how many list rows fit on the screen.
func (m *Model) pageSize() int { return max(1, m.height-5) }

// loadWindow reads the details of the rows on screen, and only those: a
// few file opens each, whatever the length of the list.
func (m *Model) loadWindow() {
	page := m.pageSize()
	if m.listCursor < m.listTop {
		m.listTop = m.listCursor
	}
	if m.listCursor >= m.listTop+page {
		m.listTop = m.listCursor - page + 1
	}
	for i := m.listTop; i < m.entries.Len() && i < m.listTop+page; i++ {
		id := m.entries.ID(i)
		if _, ok := m.rows[id]; ok {
			continue
		}
		msg, err := m.q.Message(id, rowFields)
		if err != nil {
			msg = nil // gone since the list was made
		}
		m.rows[id] = msg
	}
	// Keep the cache to about a few pages.
	if len(m.rows) > 8*page {
		keep := map[uint64]*qmailqueue.Message{}
		for i := m.listTop; i < m.entries.Len() && i < m.listTop+page; i++ {
			keep[m.entries.ID(i)] = m.rows[m.entries.ID(i)]
		}
		m.rows = keep
	}
}

// key handles one key press.
func (m *Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	s := k.String()
	if s == "ctrl+c" {
		return m.quit()
	}
	if m.applying {
		return m, nil // the change runs to its end (ctrl+c cancels it)
	}
	if m.filtering {
		switch s {
		case "enter":
			if m.setQuery(m.input.Value()) {
				m.filtering = false
				m.input.Blur()
				m.listCursor, m.listTop = 0, 0
				return m, tea.Batch(m.startScan(true), m.loadQuarantine(true))
			}
			return m, nil
		case "esc":
			m.filtering, m.filterErr = false, ""
			m.input.Blur()
			return m, nil
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		return m, cmd
	}
	if m.plan != nil || m.qz.plan != nil {
		switch s {
		case "y", "Y":
			if m.qz.plan != nil {
				return m.requeue()
			}
			return m.apply()
		case "n", "N", "esc", "q":
			m.plan, m.qz.plan = nil, nil
			m.statusLine = "nothing changed"
		}
		return m, nil
	}
	if m.help {
		m.help = false
		return m, nil
	}
	m.planErr, m.result = "", ""
	switch s {
	case "q":
		if m.screen == ScreenMessage {
			m.screen = ScreenList
			return m, nil
		}
		if m.screen == ScreenQuarantine && m.qz.view != nil {
			m.qz.view = nil
			return m, nil
		}
		return m.quit()
	case "?":
		m.help = true
		return m, nil
	case "/":
		m.filtering = true
		m.input.SetValue(m.query)
		m.input.CursorEnd()
		return m, m.input.Focus()
	case "1":
		m.screen = ScreenOverview
		return m, m.startScan(true)
	case "2", "tab":
		if s == "tab" && m.screen != ScreenOverview {
			break
		}
		m.screen = ScreenGroups
		return m, m.startScan(true)
	case "3":
		m.screen, m.group = ScreenList, nil
		return m, m.startScan(true)
	case "4":
		if !m.quarantineAvailable() {
			break
		}
		m.screen = ScreenQuarantine
		return m, tea.Batch(m.startScan(true), m.loadQuarantine(true))
	case "r":
		if m.screen == ScreenQuarantine {
			return m, tea.Batch(m.startScan(true), m.loadQuarantine(true))
		}
		return m, m.startScan(true)
	}
	switch m.screen {
	case ScreenGroups:
		return m.groupsKey(s)
	case ScreenList:
		return m.listKey(s)
	case ScreenMessage:
		return m.messageKey(s)
	case ScreenQuarantine:
		return m.quarantineKey(s)
	}
	return m, nil
}

func (m *Model) groupsKey(s string) (tea.Model, tea.Cmd) {
	switch s {
	case "up", "k":
		m.groupCursor = max(0, m.groupCursor-1)
	case "down", "j":
		m.groupCursor = min(max(0, len(m.groups)-1), m.groupCursor+1)
	case "g", "right", "l":
		m.groupKey = (m.groupKey + 1) % len(groupKeys)
		m.groupCursor = 0
		return m, m.startScan(true)
	case "G", "left", "h":
		m.groupKey = (m.groupKey + len(groupKeys) - 1) % len(groupKeys)
		m.groupCursor = 0
		return m, m.startScan(true)
	case "enter":
		if len(m.groups) == 0 {
			return m, nil
		}
		m.group = &groupRef{key: groupKeys[m.groupKey], name: m.groups[m.groupCursor].Name}
		m.screen, m.listCursor, m.listTop = ScreenList, 0, 0
		return m, m.startScan(true)
	case "esc":
		m.screen = ScreenOverview
	}
	return m, nil
}

func (m *Model) listKey(s string) (tea.Model, tea.Cmd) {
	last := max(0, m.entries.Len()-1)
	if c, ok := moveCursor(s, m.listCursor, last, m.pageSize()); ok {
		m.listCursor = c
		m.loadWindow()
		return m, nil
	}
	switch s {
	case "s":
		m.sortKey = (m.sortKey + 1) % SortKey(len(sortNames))
		return m, m.startScan(true)
	case " ", "space":
		if m.entries.Len() > 0 {
			id := m.entries.ID(m.listCursor)
			m.ownMarks()
			if m.marks[id] {
				delete(m.marks, id)
			} else {
				m.marks[id] = true
			}
			m.listCursor = min(last, m.listCursor+1)
		}
	case "a":
		// Mark every message of the list (the whole group or filter).
		if len(m.marks) == 0 {
			// Sized once: a map grown by doubling holds its old and
			// new tables at once.
			m.marks = make(map[uint64]bool, m.entries.Len())
		}
		m.ownMarks()
		for i := range m.entries.Len() {
			m.marks[m.entries.ID(i)] = true
		}
	case "u":
		m.marks = map[uint64]bool{}
	case "enter":
		if m.entries.Len() == 0 {
			return m, nil
		}
		m.screen, m.detail = ScreenMessage, nil
		return m, m.loadDetail(m.entries.ID(m.listCursor))
	case "d", "x":
		return m.planChange(qmailqueue.OpRemove)
	case "e":
		return m.planChange(qmailqueue.OpExpire)
	case "esc":
		if m.group != nil {
			m.screen = ScreenGroups
		} else {
			m.screen = ScreenOverview
		}
		m.group = nil
		return m, m.startScan(true)
	}
	m.loadWindow()
	return m, nil
}

// moveCursor moves a list's cursor for a movement key (↑↓ k j, pgup pgdn
// b f, home end) in a list of last+1 rows, page on the screen; ok is false
// for another key.
func moveCursor(key string, cursor, last, page int) (moved int, ok bool) {
	switch key {
	case "up", "k":
		return max(0, cursor-1), true
	case "down", "j":
		return min(last, cursor+1), true
	case "pgup", "b":
		return max(0, cursor-page), true
	case "pgdown", "f":
		return min(last, cursor+page), true
	case "home":
		return 0, true
	case "end":
		return last, true
	}
	return cursor, false
}

func (m *Model) messageKey(s string) (tea.Model, tea.Cmd) {
	switch s {
	case "up", "k":
		m.viewScroll = max(0, m.viewScroll-1)
	case "down", "j":
		m.viewScroll++
	case "pgup", "b":
		m.viewScroll = max(0, m.viewScroll-m.pageSize())
	case "pgdown", "f", " ":
		m.viewScroll += m.pageSize()
	case "esc", "left":
		m.screen = ScreenList
	case "d", "x":
		return m.planChange(qmailqueue.OpRemove)
	case "e":
		return m.planChange(qmailqueue.OpExpire)
	}
	return m, nil
}

func (m *Model) loadDetail(id uint64) tea.Cmd {
	q, attempts, ctx := m.q, m.opts.Attempts, m.ctx
	return func() tea.Msg {
		d := loadDetail(q, id)
		if attempts != nil && d.view != nil {
			at, err := attempts(ctx, d.msg)
			if err == nil {
				d.view.Attempts = &at
			}
			d.logErr = err
		}
		return detailResult{d: d}
	}
}

// ownMarks makes marks the model's own before it changes: a copy when a
// plan being made reads them.
func (m *Model) ownMarks() {
	if m.marksShared {
		m.marks, m.marksShared = maps.Clone(m.marks), false
	}
}

// selected returns the IDs a change applies to: the marked messages, or
// the one under the cursor (or on view) when none is marked.
func (m *Model) selected() map[uint64]bool {
	if len(m.marks) > 0 {
		return m.marks
	}
	if m.screen == ScreenMessage && m.detail != nil && m.detail.msg != nil {
		return map[uint64]bool{m.detail.msg.ID: true}
	}
	if m.entries.Len() > 0 {
		return map[uint64]bool{m.entries.ID(m.listCursor): true}
	}
	return nil
}

// planChange plans op on the selected messages through the change engine;
// the plan is shown for confirmation.
func (m *Model) planChange(op qmailqueue.ChangeOp) (tea.Model, tea.Cmd) {
	if m.opts.Apply == nil {
		m.statusLine = "changes are not available here"
		return m, nil
	}
	ids := m.selected()
	if len(ids) == 0 {
		return m, nil
	}
	f := qmailqueue.NewFilter()
	// The plan's scan reads the marks themselves (see ownMarks).
	f.IDs = ids
	m.planning++
	m.marksShared = m.marksShared || len(m.marks) > 0
	q, ctx := m.q, m.ctx
	return m, func() tea.Msg {
		p, err := q.PlanChange(ctx, op, f)
		return planResult{plan: p, err: err}
	}
}

// apply carries out the confirmed plan, showing progress.
func (m *Model) apply() (tea.Model, tea.Cmd) {
	p := m.plan
	m.plan, m.applying = nil, true
	m.progress.Store(0)
	ctx, cancel := context.WithCancel(m.ctx)
	m.applyCancel = cancel
	apply, q := m.opts.Apply, m.progress
	done := make(chan struct{})
	m.applyDone = done
	run := func() tea.Msg {
		defer close(done)
		res, err := apply(ctx, p, func() { q.Add(1) })
		return applyResult{res: res, err: err}
	}
	m.statusLine = fmt.Sprintf("%s %d messages…", p.Op.Gerund(), len(p.Items))
	m.applyingN = len(p.Items)
	return m, tea.Batch(run, func() tea.Msg { return progressTick{} })
}

// applied reports a finished change and refreshes.
func (m *Model) applied(r applyResult) (tea.Model, tea.Cmd) {
	m.applying = false
	m.applyCancel = nil
	switch {
	case r.res != nil && r.res.Started:
		s := r.res.Stats
		m.result = fmt.Sprintf("%d done, %d already gone, %d changed since the plan (left alone), %d refused, %d failed", s.Done, s.Vanished, s.Changed, s.Refused, s.Failed)
		if r.res.QuarantineRun != "" {
			m.result += "; kept in " + r.res.QuarantineRun
		}
		if r.err != nil {
			m.result += "; " + r.err.Error()
		}
	case r.err != nil:
		m.result = "nothing changed: " + r.err.Error()
	}
	m.statusLine = ""
	m.marks = map[uint64]bool{}
	if m.screen == ScreenMessage {
		m.screen = ScreenList
	}
	if m.quitting {
		return m, tea.Quit
	}
	return m, m.startScan(true)
}

// quit leaves; a change under way is cancelled first and its services
// brought back (the engine's cycle does that) before the program ends.
func (m *Model) quit() (tea.Model, tea.Cmd) {
	m.quitting = true
	if m.applying {
		m.applyCancel()
		return m, nil
	}
	m.cancel()
	return m, tea.Quit
}

// Run runs the browser on the terminal until the user quits. However the
// program ends (q, ctrl+c, a signal through the context), a change under
// way is cancelled and waited for, so that its cycle has brought the
// services back up before Run returns.
func Run(opts Options, progOpts ...tea.ProgramOption) error {
	m := New(opts)
	_, err := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen()}, progOpts...)...).Run()
	m.cancel()
	if m.applyDone != nil {
		<-m.applyDone
	}
	return err
}
