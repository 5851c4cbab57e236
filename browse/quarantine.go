package browse

// The quarantine screen: the runs of the quarantine (qq rm's removals, qq
// fsck's saves, runs an interruption left unlisted files in) and their
// entries, as qq quarantine list shows them. Marked entries, or a whole
// run, go back into the queue through the requeue engine as qq requeue
// does: qmailqueue.PlanRequeue sorts out what can go back, the plan is
// confirmed in a dialog, then Quarantine.Requeue feeds each message to
// qmail-queue under the quarantine's lock and marks it requeued in its
// run's manifest. qmail-send keeps running: qmail-queue queues the messages
// as new ones, as it queues any incoming mail.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/termsafe"
)

// quarantineScreen is the state of the quarantine screen.
type quarantineScreen struct {
	// entries are those the filter selects; status and refusal, one per
	// entry, are read when they are loaded (a stat or two each, not on
	// every redraw).
	entries  []qmailqueue.QuarantineEntry
	status   []string
	refusal  []string
	runs     []qrun
	problems []string
	err      string
	loaded   bool

	// Loading: one at a time, again after it when asked during one.
	loading bool
	again   bool
	stamp   string

	// rows are the lines of the list: a header per run, and the entries
	// of the runs opened.
	rows   []qrow
	cursor int
	top    int
	opened map[string]bool // run names; the newest run is opened first
	seen   bool            // the opened set was initialised
	marks  map[string]bool // entry names (RUN/ID)

	// view is the entry shown whole, nil for the list.
	view *entryView

	// plan waits for confirmation; requeueing is true while it runs.
	plan       *requeuePlan
	requeueing bool
}

// qrun is one run directory of the quarantine.
type qrun struct {
	name    string
	reason  string // qq's command line that made it (its first entry's)
	entries []int  // indexes into quarantineScreen.entries
	bytes   int64
	last    time.Time // its latest removal
	// ready counts the entries that can be requeued; requeued those
	// requeued before.
	ready, requeued int
}

// qrow is one line of the quarantine list: a run's header (entry < 0) or
// one of its entries.
type qrow struct {
	run, entry int
}

// requeuePlan is a requeue waiting for confirmation.
type requeuePlan struct {
	plan *qmailqueue.RequeuePlan
	runs qmailqueue.Tally
	from qmailqueue.Tally
}

// Messages of the quarantine screen's commands.
type (
	quarantineLoaded struct {
		stamp    string
		same     bool // nothing changed since the last load
		entries  []qmailqueue.QuarantineEntry
		status   []string
		refusal  []string
		problems []string
		err      error
	}
	requeuePlanned struct {
		plan *requeuePlan
		err  error
	}
	entryViewLoaded struct {
		view entryView
	}
	requeueDone struct {
		asked   int // entries confirmed
		todo    int // of those, the entries re-injected (planned again under the lock)
		gone    int // requeued or purged by another qq since the plan
		results []qmailqueue.RequeueResult
		refused []qmailqueue.RequeueResult
		err     error
	}
)

// quarantineAvailable reports whether the browser was given a quarantine.
func (m *Model) quarantineAvailable() bool { return m.opts.Quarantine != "" }

// loadQuarantine reads the quarantine again, unless a load is under way
// (then it runs again after). Without force, an unchanged quarantine (the
// same stamp of its directories and manifests) is not read again.
func (m *Model) loadQuarantine(force bool) tea.Cmd {
	z := &m.qz
	if !m.quarantineAvailable() {
		return nil
	}
	if z.loading {
		z.again = z.again || force
		return nil
	}
	z.loading = true
	dir, q, filter, now, prev := m.opts.Quarantine, m.q, m.filter, m.opts.Now(), z.stamp
	valid := z.loaded && !force
	return func() tea.Msg {
		st := quarantineStamp(dir)
		if valid && st == prev {
			return quarantineLoaded{stamp: st, same: true}
		}
		all, problems, err := qmailqueue.LoadQuarantine(dir)
		if err == nil {
			// Filtered as qq quarantine list filters: older and newer
			// count from the removal.
			all, err = qmailqueue.EntrySelection{Filter: filter, Now: now}.Select(dir, all)
		}
		if err != nil {
			return quarantineLoaded{stamp: st, err: err}
		}
		r := quarantineLoaded{stamp: st, entries: all, problems: problems,
			status: make([]string, len(all)), refusal: make([]string, len(all))}
		for i := range all {
			r.status[i] = all[i].Status(q)
			r.refusal[i] = all[i].RequeueRefusal(q)
		}
		return r
	}
}

// quarantineStamp is what the quarantine's directories and manifests look
// like (mtimes and sizes): a new run, an entry added, purged or marked
// changes it.
func quarantineStamp(dir string) string {
	var b strings.Builder
	add := func(p string) {
		if st, err := os.Lstat(p); err == nil {
			fmt.Fprintf(&b, "%d.%d;", st.ModTime().UnixNano(), st.Size())
		} else {
			b.WriteString("-;")
		}
	}
	add(dir)
	runs, _ := os.ReadDir(dir)
	for _, r := range runs {
		if r.IsDir() {
			b.WriteString(r.Name())
			add(filepath.Join(dir, r.Name()))
			add(filepath.Join(dir, r.Name(), qmailqueue.ManifestName))
		}
	}
	return b.String()
}

// quarantineLoadedMsg takes a load's result into the model.
func (m *Model) quarantineLoadedMsg(r quarantineLoaded) tea.Cmd {
	z := &m.qz
	z.loading = false
	if r.err != nil {
		z.err = r.err.Error()
	} else if !r.same {
		m.setQuarantine(r)
	}
	if z.again {
		z.again = false
		return m.loadQuarantine(true)
	}
	return nil
}

// setQuarantine groups loaded entries into runs, newest run first, and
// rebuilds the rows, keeping the cursor on the same line when it is still
// there.
func (m *Model) setQuarantine(r quarantineLoaded) {
	z := &m.qz
	at := z.rowName(z.cursor)
	z.entries, z.status, z.refusal, z.problems = r.entries, r.status, r.refusal, r.problems
	z.stamp, z.loaded, z.err = r.stamp, true, ""
	z.runs = z.runs[:0]
	index := map[string]int{}
	for i := range z.entries {
		e := &z.entries[i]
		k, ok := index[e.Run]
		if !ok {
			k = len(z.runs)
			index[e.Run] = k
			z.runs = append(z.runs, qrun{name: e.Run, reason: e.Reason})
		}
		run := &z.runs[k]
		run.entries = append(run.entries, i)
		run.bytes += e.Size
		if e.RemovedAt.After(run.last) {
			run.last = e.RemovedAt
		}
		switch {
		case e.RequeuedAt != nil:
			run.requeued++
		case z.refusal[i] == "":
			run.ready++
		}
	}
	// Newest first: by the latest removal (run names sort fsck-… after
	// the rest), then by name.
	slices.SortStableFunc(z.runs, func(a, b qrun) int {
		return cmp.Or(b.last.Compare(a.last), strings.Compare(b.name, a.name))
	})
	if z.opened == nil {
		z.opened = map[string]bool{}
	}
	if !z.seen && len(z.runs) > 0 {
		z.opened[z.runs[0].name] = true
		z.seen = true
	}
	// Marks of entries no longer there, or no longer requeueable, go.
	ready := map[string]bool{}
	for i := range z.entries {
		if z.refusal[i] == "" && z.entries[i].RequeuedAt == nil {
			ready[z.entries[i].Name()] = true
		}
	}
	for name := range z.marks {
		if !ready[name] {
			delete(z.marks, name)
		}
	}
	z.rebuild()
	z.cursor = 0
	for i := range z.rows {
		if z.rowName(i) == at {
			z.cursor = i
			break
		}
	}
}

// rebuild lays out the rows from the runs and which are opened.
func (z *quarantineScreen) rebuild() {
	z.rows = z.rows[:0]
	for k, run := range z.runs {
		z.rows = append(z.rows, qrow{run: k, entry: -1})
		if z.opened[run.name] {
			for _, i := range run.entries {
				z.rows = append(z.rows, qrow{run: k, entry: i})
			}
		}
	}
	z.cursor = min(z.cursor, max(0, len(z.rows)-1))
}

// rowName names row i: its run, or its entry.
func (z *quarantineScreen) rowName(i int) string {
	if i < 0 || i >= len(z.rows) {
		return ""
	}
	if r := z.rows[i]; r.entry >= 0 {
		return z.entries[r.entry].Name()
	}
	return z.runs[z.rows[i].run].name + "/"
}

// requeueable reports whether entry i can be requeued as far as the load
// saw (the plan looks again).
func (z *quarantineScreen) requeueable(i int) bool {
	return z.refusal[i] == "" && z.entries[i].RequeuedAt == nil
}

// markRun marks every requeueable entry of run k, or unmarks them when all
// are marked already.
func (z *quarantineScreen) markRun(k int) {
	all := true
	for _, i := range z.runs[k].entries {
		if z.requeueable(i) && !z.marks[z.entries[i].Name()] {
			all = false
		}
	}
	for _, i := range z.runs[k].entries {
		if z.requeueable(i) {
			if all {
				delete(z.marks, z.entries[i].Name())
			} else {
				z.marks[z.entries[i].Name()] = true
			}
		}
	}
}

// quarantinePage is how many rows of the quarantine list fit on the
// screen: the lines under the title, less two header lines and the five
// lines describing the row under the cursor.
func (m *Model) quarantinePage() int { return max(1, m.height-3-2-5) }

func (m *Model) quarantineKey(s string) (tea.Model, tea.Cmd) {
	z := &m.qz
	if z.view != nil {
		return m.entryViewKey(s)
	}
	if z.marks == nil {
		z.marks = map[string]bool{}
	}
	page := m.quarantinePage()
	last := max(0, len(z.rows)-1)
	var row *qrow
	if len(z.rows) > 0 {
		row = &z.rows[z.cursor]
	}
	if c, ok := moveCursor(s, z.cursor, last, page); ok {
		z.cursor = c
		s = "" // moved: nothing else to do
	}
	switch s {
	case "enter", "right", "l", "left", "h":
		if row == nil {
			break
		}
		name := z.runs[row.run].name
		open := !z.opened[name]
		switch s {
		case "right", "l":
			open = true
		case "left", "h":
			open = false
		case "enter":
			if row.entry >= 0 {
				return m, m.openEntry(row.entry)
			}
		}
		z.opened[name] = open
		run := row.run
		z.rebuild()
		for i, r := range z.rows {
			if r.run == run && (r.entry < 0 || !open) {
				z.cursor = i
				break
			}
		}
	case " ", "space":
		if row == nil {
			break
		}
		if row.entry < 0 {
			z.markRun(row.run)
		} else if name := z.entries[row.entry].Name(); !z.requeueable(row.entry) {
			m.statusLine = safe(name) + " cannot be requeued: " + safe(m.cannot(row.entry))
		} else if z.marks[name] {
			delete(z.marks, name)
		} else {
			z.marks[name] = true
		}
		z.cursor = min(last, z.cursor+1)
	case "a":
		for i := range z.entries {
			if z.requeueable(i) {
				z.marks[z.entries[i].Name()] = true
			}
		}
	case "u":
		clear(z.marks)
	case "R":
		return m.planRequeue()
	case "esc":
		m.screen = ScreenOverview
		return m, m.startScan(true)
	}
	if z.cursor < z.top {
		z.top = z.cursor
	}
	if z.cursor >= z.top+page {
		z.top = z.cursor - page + 1
	}
	return m, nil
}

// cannot says why entry i cannot be requeued.
func (m *Model) cannot(i int) string {
	z := &m.qz
	if z.entries[i].RequeuedAt != nil {
		return "it was requeued before (" + z.status[i] + ")"
	}
	return z.refusal[i]
}

// requeueSelection returns the entries a requeue applies to: the marked
// ones, or else those of the row under the cursor (an entry, or every
// requeueable entry of a run).
func (m *Model) requeueSelection() []qmailqueue.QuarantineEntry {
	z := &m.qz
	var out []qmailqueue.QuarantineEntry
	if len(z.marks) > 0 {
		for i := range z.entries {
			if z.marks[z.entries[i].Name()] {
				out = append(out, z.entries[i])
			}
		}
		return out
	}
	if len(z.rows) == 0 {
		return nil
	}
	row := z.rows[z.cursor]
	if row.entry >= 0 {
		return []qmailqueue.QuarantineEntry{z.entries[row.entry]}
	}
	for _, i := range z.runs[row.run].entries {
		if z.requeueable(i) {
			out = append(out, z.entries[i])
		}
	}
	return out
}

// planRequeue plans the requeue of the selected entries
// (qmailqueue.PlanRequeue, as qq requeue); the plan is shown for
// confirmation.
func (m *Model) planRequeue() (tea.Model, tea.Cmd) {
	if m.opts.Injector == nil {
		m.statusLine = "requeueing is not available here"
		return m, nil
	}
	chosen := m.requeueSelection()
	if len(chosen) == 0 {
		m.statusLine = "nothing to requeue here"
		return m, nil
	}
	q := m.q
	return m, func() tea.Msg {
		p := &requeuePlan{plan: qmailqueue.PlanRequeue(q, chosen, false)}
		for _, e := range p.plan.Todo {
			p.runs.Add(e.Run)
			p.from.Add(e.SenderText())
		}
		return requeuePlanned{plan: p}
	}
}

// requeuePlannedMsg takes a plan into the model: shown for confirmation,
// or why there is nothing to requeue.
func (m *Model) requeuePlannedMsg(r requeuePlanned) {
	switch {
	case r.err != nil:
		m.planErr = r.err.Error()
	case len(r.plan.plan.Todo) == 0 && len(r.plan.plan.Refused) > 0:
		f := r.plan.plan.Refused[0]
		m.statusLine = fmt.Sprintf("nothing to requeue: %s %s", safe(f.Entry.Name()), safe(f.Reason))
	case len(r.plan.plan.Todo) == 0:
		m.statusLine = "nothing to requeue: requeued before"
	default:
		m.qz.plan = r.plan
	}
}

// requeue carries out the confirmed plan, showing progress. Under the
// quarantine's lock it reads the entries again and plans again, so that
// an entry another qq requeued (or purged) since the plan is not requeued
// twice; then Quarantine.Requeue injects them and marks each in its
// manifest.
func (m *Model) requeue() (tea.Model, tea.Cmd) {
	p := m.qz.plan
	m.qz.plan, m.applying, m.qz.requeueing = nil, true, true
	m.progress.Store(0)
	ctx, cancel := context.WithCancel(m.ctx)
	m.applyCancel = cancel
	done := make(chan struct{})
	m.applyDone = done
	q, dir, inj, counter := m.q, m.opts.Quarantine, m.opts.Injector, m.progress
	run := func() tea.Msg {
		defer close(done)
		return requeueTodo(ctx, q, dir, inj, p.plan.Todo, func(qmailqueue.RequeueResult) { counter.Add(1) })
	}
	m.statusLine = fmt.Sprintf("requeueing %d messages…", len(p.plan.Todo))
	m.applyingN = len(p.plan.Todo)
	return m, tea.Batch(run, func() tea.Msg { return progressTick{} })
}

// requeueTodo requeues the planned entries, from the quarantine in dir,
// into q through inj, as qq requeue does, but first takes the
// quarantine's lock and plans again from the manifests read under it
// (Quarantine.Replan): the plan was made before, while the dialog was up.
func requeueTodo(ctx context.Context, q *qmailqueue.Queue, dir string, inj *qmailqueue.Injector, todo []qmailqueue.QuarantineEntry, progress func(qmailqueue.RequeueResult)) requeueDone {
	d := requeueDone{asked: len(todo)}
	z, err := qmailqueue.OpenQuarantine(dir)
	if err != nil {
		d.err = err
		return d
	}
	defer z.Close()
	p, gone, err := z.Replan(q, todo, false)
	if err != nil {
		d.err = err
		return d
	}
	d.todo, d.refused, d.gone = len(p.Todo), p.Refused, gone
	d.results, d.err = z.Requeue(ctx, q, inj, p.Todo, progress)
	return d
}

// requeued reports a finished requeue, and reads the queue and the
// quarantine again: the messages are in the queue under new IDs, and
// their entries say so.
func (m *Model) requeued(r requeueDone) (tea.Model, tea.Cmd) {
	m.applying, m.applyCancel, m.qz.requeueing, m.qz.view = false, nil, false, nil
	m.statusLine = ""
	m.result = requeueSummary(r)
	clear(m.qz.marks)
	if m.quitting {
		return m, tea.Quit
	}
	return m, tea.Batch(m.startScan(true), m.loadQuarantine(true))
}

// requeueSummary is the one line a finished requeue leaves in the status
// line: qq requeue's ([qmailqueue.RequeueStats.Summary]) with the new IDs,
// then why it stopped or the last error.
func requeueSummary(r requeueDone) string {
	if r.todo == 0 && len(r.results) == 0 && r.err != nil {
		return "nothing requeued: " + safe(r.err.Error())
	}
	stats := qmailqueue.RequeueStats{Refused: len(r.refused), Gone: r.gone}
	var ids []uint64
	var lookErr error // a new ID not looked for
	for _, res := range r.results {
		stats.Add(res)
		if res.Outcome == qmailqueue.Requeued {
			if res.NewID != 0 {
				ids = append(ids, res.NewID)
			}
			if res.Err != nil {
				lookErr = res.Err
			}
		}
	}
	s := stats.Summary(r.asked, ids)
	switch {
	case r.err != nil && errors.Is(r.err, context.Canceled):
		s += "; stopped"
	case r.err != nil:
		s += "; " + r.err.Error()
	case stats.Failed > 0:
		s += ": " + stats.LastErr.Error()
	case lookErr != nil:
		s += ": " + lookErr.Error()
	}
	return safe(s)
}

// entryView is one quarantine entry shown whole: what its manifest line
// says, and its kept message's headers and decoded body.
type entryView struct {
	lines  []string
	scroll int
}

// openEntry reads entry i for the entry view.
func (m *Model) openEntry(i int) tea.Cmd {
	z := &m.qz
	e, status, cannot := z.entries[i], z.status[i], ""
	if !z.requeueable(i) {
		cannot = m.cannot(i)
	}
	dir := m.opts.Quarantine
	return func() tea.Msg {
		return entryViewLoaded{entryView{lines: entryLines(&e, dir, status, cannot)}}
	}
}

// entryViewKey handles a key in the entry view: scrolling, back to the
// list, and space and R on the entry, as on its row.
func (m *Model) entryViewKey(s string) (tea.Model, tea.Cmd) {
	v := m.qz.view
	page := m.height - 3
	switch s {
	case "up", "k":
		v.scroll = max(0, v.scroll-1)
	case "down", "j":
		v.scroll++
	case "pgup", "b":
		v.scroll = max(0, v.scroll-page)
	case "pgdown", "f":
		v.scroll += page
	case "home":
		v.scroll = 0
	case "esc", "left", "h":
		m.qz.view = nil
	case " ", "space":
		if row := m.qz.rows[m.qz.cursor]; row.entry >= 0 {
			if name := m.qz.entries[row.entry].Name(); m.qz.marks[name] {
				delete(m.qz.marks, name)
			} else if m.qz.requeueable(row.entry) {
				m.qz.marks[name] = true
			}
		}
	case "R":
		return m.planRequeue()
	}
	return m, nil
}

// entryLines lays out a quarantine entry: its manifest line (kind,
// status, removal, envelope, kept files), then the kept message's headers
// and decoded body, read through the safe open of queue files (a kept file
// is never a link followed). Every string is made safe.
func entryLines(e *qmailqueue.QuarantineEntry, dir, status, cannot string) []string {
	var l []string
	add := func(format string, args ...any) { l = append(l, fmt.Sprintf(format, args...)) }
	add("Entry       %s (%s)", safe(e.Name()), safe(string(e.Kind)))
	add("Status      %s", safe(status))
	if cannot != "" {
		add("Cannot      %s", safe(cannot))
	}
	add("Removed     %s by %s", e.RemovedAt.UTC().Format("2006-01-02 15:04:05 MST"), safe(cmp.Or(e.Reason, "(not recorded)")))
	add("Message     #%d, state %s, queued at %s, %s", e.ID, safe(cmp.Or(e.State, "?")), e.Birth.UTC().Format("2006-01-02 15:04:05 MST"), humanBytes(e.Size))
	add("Sender      %s", safe(e.SenderText()))
	add("Recipients  %d pending, %d done before the removal", len(e.Recipients), e.Done)
	for _, r := range e.Recipients {
		add("  %-7s %s", safe(r.Channel), safe("<"+string(r.Address)+">"))
	}
	if e.Bouncing {
		add("Bouncing    a bounce report was waiting (not requeued)")
	}
	for _, f := range e.Files {
		add("Kept file   %s (from %s)", safe(f.Name), safe(cmp.Or(f.From, "?")))
	}
	path := e.MessPath(dir)
	if path == "" {
		return append(l, "No message file was kept.")
	}
	f, err := qmailqueue.OpenQueueFile(path, 0, qmailqueue.MaxLinksTodo)
	if err != nil {
		return append(l, "Message file: "+safe(err.Error()))
	}
	defer f.Close()
	if h, err := qmailqueue.ParseHeader(f); err == nil {
		add("Headers:")
		for _, field := range h.Fields() {
			add("  %s", safe(field.Name+": "+field.Value))
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return l
	}
	body, _ := qmailqueue.BodyText(f, qmailqueue.MaxBodyRead-qmailqueue.HeaderLimit)
	add("Body (decoded text parts):")
	for _, line := range strings.Split(termsafe.Text(body), "\n") {
		l = append(l, "  "+safe(line))
	}
	return l
}
