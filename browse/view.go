package browse

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/qqmail/qq/msgview"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/qqmail/qq/termsafe"
)

// styles are the browser's colours; with NO_COLOR, only bold and reverse.
type styles struct {
	title, header, selected, marked, dim, warn, dialog lipgloss.Style
}

func newStyles(noColor bool) styles {
	s := styles{
		title:    lipgloss.NewStyle().Bold(true),
		header:   lipgloss.NewStyle().Bold(true),
		selected: lipgloss.NewStyle().Reverse(true),
		marked:   lipgloss.NewStyle().Bold(true),
		dim:      lipgloss.NewStyle(),
		warn:     lipgloss.NewStyle().Bold(true),
		dialog:   lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
	if !noColor {
		s.title = s.title.Foreground(lipgloss.Color("12"))
		s.marked = s.marked.Foreground(lipgloss.Color("11"))
		s.dim = s.dim.Foreground(lipgloss.Color("8"))
		s.warn = s.warn.Foreground(lipgloss.Color("9"))
		s.dialog = s.dialog.BorderForeground(lipgloss.Color("12"))
	}
	return s
}

// safe makes a string from the queue fit to draw on one line.
func safe(s string) string { return termsafe.Line(s) }

// View draws the screen.
func (m *Model) View() string {
	if m.quitting && !m.applying {
		return ""
	}
	var body []string
	switch {
	case m.help:
		body = m.helpView()
	case m.plan != nil:
		body = m.planView()
	case m.qz.plan != nil:
		body = m.requeuePlanView()
	default:
		switch m.screen {
		case ScreenOverview:
			body = m.overviewView()
		case ScreenGroups:
			body = m.groupsView()
		case ScreenList:
			body = m.listView()
		case ScreenMessage:
			body = m.messageView()
		case ScreenQuarantine:
			body = m.quarantineView()
		}
	}
	lines := []string{m.titleLine()}
	lines = append(lines, body...)
	height := max(3, m.height)
	if len(lines) > height-2 {
		lines = lines[:height-2]
	}
	for len(lines) < height-2 {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = cut(l, m.width)
	}
	lines = append(lines, cut(m.statusView(), m.width), cut(m.keysLine(), m.width))
	return strings.Join(lines, "\n")
}

// cut shortens a drawn line to width cells.
func cut(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	return lipgloss.NewStyle().MaxWidth(width).Render(s)
}

func (m *Model) titleLine() string {
	names := []string{"1 overview", "2 groups", "3 messages"}
	if m.quarantineAvailable() {
		names = append(names, "4 quarantine")
	}
	cur := min(int(m.screen), 2) // the message view is under "messages"
	if m.screen == ScreenQuarantine {
		cur = 3
	}
	for i := range names {
		if i == cur {
			names[i] = m.styles.selected.Render(" " + names[i] + " ")
		} else {
			names[i] = " " + names[i] + " "
		}
	}
	return m.styles.title.Render("qq browse") + " " + strings.Join(names, "") + "  " + safe(m.q.Dir)
}

func (m *Model) statusView() string {
	switch {
	case m.filtering:
		s := m.input.View()
		if m.filterErr != "" {
			s += "  " + m.styles.warn.Render(m.filterErr)
		}
		return s
	case m.applying:
		return fmt.Sprintf("%s %d/%d", m.statusLine, m.progress.Load(), m.applyingN)
	case m.result != "":
		return m.result
	case m.planErr != "":
		return m.styles.warn.Render("plan: " + m.planErr)
	case m.statusLine != "":
		return m.statusLine
	}
	f := "filter: (none, / to set)"
	if m.query != "" {
		f = "filter: " + safe(m.query)
	}
	if m.screen == ScreenQuarantine {
		if len(m.qz.marks) > 0 {
			f += fmt.Sprintf("  marked: %d in the quarantine", len(m.qz.marks))
		}
	} else if len(m.marks) > 0 {
		f += fmt.Sprintf("  marked: %d", len(m.marks))
	}
	if m.scanning {
		f += "  refreshing…"
	}
	return f
}

func (m *Model) keysLine() string {
	var k string
	switch {
	case m.filtering:
		k = "enter apply  esc cancel"
	case m.plan != nil, m.qz.plan != nil:
		k = "y go ahead  n cancel"
	case m.applying && m.qz.requeueing:
		k = "ctrl+c stop after the message at hand"
	case m.applying:
		k = "ctrl+c stop (the services are restored)"
	case m.screen == ScreenGroups:
		k = "↑↓ move  g/G grouping  enter messages  / filter  ? keys  q quit"
	case m.screen == ScreenList:
		k = "↑↓ move  space mark  a all  enter view  s sort  d rm  e expire  ? keys  q quit"
	case m.screen == ScreenMessage:
		k = "↑↓ scroll  esc back  d remove  e expire  ? keys  q back"
	case m.screen == ScreenQuarantine && m.qz.view != nil:
		k = "↑↓ scroll  esc back  space mark  R requeue  ? keys  q back"
	case m.screen == ScreenQuarantine:
		k = "↑↓ move  enter open  space mark  a all  u unmark  R requeue  ? keys  q quit"
	case m.quarantineAvailable():
		k = "2 groups  3 messages  4 quarantine  / filter  r refresh  ? keys  q quit"
	default:
		k = "2 groups  3 messages  / filter  r refresh  ? keys  q quit"
	}
	return m.styles.dim.Render(k)
}

func (m *Model) helpView() []string {
	return []string{
		"",
		m.styles.header.Render("Keys"),
		"  1 2 3 4      overview, groups, messages, quarantine (tab: → groups)",
		"  /            filter: sender:A rcpt:A sender-domain:D rcpt-domain:.D",
		"               subject:RE header:NAME=RE match:RE body:RE attachment:RE",
		"               helo:RE older:2h newer:30m size>1M size<10k id:N",
		"               local remote todo bouncing case not",
		"  r            refresh now (otherwise every " + m.opts.Interval.String() + ")",
		"  groups       ↑↓ move, g/G next/previous grouping, enter its messages",
		"  messages     ↑↓ pgup pgdn home end, s sort (age, size, sender, id),",
		"               space mark, a mark all listed, u unmark, enter view",
		"  d            remove the marked messages (or the one under the cursor)",
		"               to the quarantine: plan, confirm, stop qmail-send, remove,",
		"               start it again",
		"  e            expire them: qmail-send bounces them at its next attempt",
		"  4            quarantine: runs of qq rm and qq fsck, newest first;",
		"               enter opens a run or an entry, space marks an entry or a run,",
		"               R requeues them through qmail-queue (plan, confirm)",
		"  esc          back        q  quit        ctrl+c  quit at once",
		"",
		"Any key closes this help.",
	}
}

func (m *Model) overviewView() []string {
	if !m.haveSum {
		return []string{"", "reading the queue…"}
	}
	s := m.summary
	now := m.opts.Now()
	lines := []string{""}
	row := func(k, v string) { lines = append(lines, fmt.Sprintf("  %-14s %s", k, v)) }
	change := ""
	if m.prevAt.IsZero() {
		change = "(first refresh)"
	} else {
		d := s.Messages - m.prevSum.Messages
		change = fmt.Sprintf("%+d since %s ago, %+.0f/min", d, roundAge(m.sumAt.Sub(m.prevAt)), m.ratePerMin)
	}
	row("messages", fmt.Sprintf("%d   %s", s.Messages, change))
	row("todo", fmt.Sprint(s.ByState[qmailqueue.StateQueued]))
	row("preprocessed", fmt.Sprint(s.ByState[qmailqueue.StatePreprocessed]))
	row("local pending", fmt.Sprint(s.LocalPending))
	row("remote pending", fmt.Sprint(s.RemotePending))
	row("bouncing", fmt.Sprint(s.Bouncing))
	if !s.Sized {
		row("bytes", "…")
	} else {
		row("bytes", humanBytes(s.Bytes))
	}
	if !s.Oldest.IsZero() {
		row("oldest", fmt.Sprintf("#%d, %s ago", s.OldestID, roundAge(now.Sub(s.Oldest))))
	}
	lines = append(lines, "", "  messages over the last "+fmt.Sprint(len(m.history))+" refreshes:", "  "+sparkline(m.history, max(10, m.width-4)))
	if m.query != "" {
		lines = append(lines, "", "  (counts of the messages the filter selects)")
	}
	return lines
}

// sparkline draws values as a line of block characters, the last width.
func sparkline(values []int, width int) string {
	if len(values) > width {
		values = values[len(values)-width:]
	}
	if len(values) == 0 {
		return ""
	}
	lo, hi := slices.Min(values), slices.Max(values)
	blocks := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, v := range values {
		i := 0
		if hi > lo {
			i = (v - lo) * (len(blocks) - 1) / (hi - lo)
		}
		b.WriteRune(blocks[i])
	}
	return b.String()
}

func (m *Model) groupsView() []string {
	key := groupKeys[m.groupKey]
	var tabs []string
	for i, k := range groupKeys {
		if i == m.groupKey {
			tabs = append(tabs, m.styles.selected.Render(k.String()))
		} else {
			tabs = append(tabs, k.String())
		}
	}
	lines := []string{"by: " + strings.Join(tabs, " "), m.styles.header.Render(fmt.Sprintf("%9s %7s %8s  %s", "MESSAGES", "RCPTS", "BYTES", strings.ToUpper(key.String())))}
	page := m.pageSize() - 1
	top := max(0, m.groupCursor-page+1)
	for i := top; i < len(m.groups) && i < top+page; i++ {
		g := m.groups[i]
		name := g.Name
		if name == "" {
			name = "(none)"
			if key == report.KeySender {
				name = "<>"
			}
		}
		l := fmt.Sprintf("%9d %7d %8s  %s", g.Messages, g.Recipients, humanBytes(g.Bytes), safe(name))
		if i == m.groupCursor {
			l = m.styles.selected.Render(cutPlain(l, m.width))
		}
		lines = append(lines, l)
	}
	if len(m.groups) == 0 {
		lines = append(lines, "  (no messages)")
	}
	return lines
}

// cutPlain shortens an undecorated line to width cells, padding it so that
// a highlighted row spans the screen.
func cutPlain(s string, width int) string {
	r := []rune(s)
	if len(r) > width {
		r = r[:width]
	}
	return string(r) + strings.Repeat(" ", max(0, width-len(r)))
}

func (m *Model) listView() []string {
	what := "all messages"
	if m.group != nil {
		what = m.group.key.String() + " " + safe(m.group.name)
	}
	lines := []string{fmt.Sprintf("%s: %d, sorted by %s", what, m.entries.Len(), m.sortKey),
		m.styles.header.Render(fmt.Sprintf("  %-10s %6s %7s  %-24s %s", "ID", "AGE", "SIZE", "SENDER", "SUBJECT"))}
	now := m.opts.Now()
	page := m.pageSize()
	for i := m.listTop; i < m.entries.Len() && i < m.listTop+page; i++ {
		id := m.entries.ID(i)
		mark := " "
		if m.marks[id] {
			mark = "*"
		}
		var l string
		if msg := m.rows[id]; msg != nil {
			subject := ""
			if msg.Header != nil {
				subject = msg.Header.Subject()
			}
			l = fmt.Sprintf("%s %-10d %6s %7s  %-24s %s", mark, id, roundAge(now.Sub(msg.Birth)), humanBytes(msg.Size),
				cutPlain(safe("<"+msg.Sender+">"), 24), safe(subject))
		} else {
			l = fmt.Sprintf("%s %-10d (gone)", mark, id)
		}
		l = cutPlain(l, m.width)
		switch {
		case i == m.listCursor:
			l = m.styles.selected.Render(l)
		case m.marks[id]:
			l = m.styles.marked.Render(l)
		}
		lines = append(lines, l)
	}
	if m.entries.Len() == 0 {
		lines = append(lines, "  (no messages)")
	}
	return lines
}

func (m *Model) messageView() []string {
	if m.detail == nil {
		return []string{"", "reading the message…"}
	}
	if m.detail.err != nil {
		return []string{"", m.styles.warn.Render(safe(m.detail.err.Error()))}
	}
	all := m.messageLines(m.detail)
	page := m.height - 3
	m.viewScroll = min(m.viewScroll, max(0, len(all)-page))
	return all[m.viewScroll:]
}

// messageLines lays one message out as qq show does (msgview.WriteText,
// every string from the queue and the log made safe for the terminal),
// one screen line per line: tabs expanded, the CR of a CRLF dropped.
func (m *Model) messageLines(d *detail) []string {
	var b strings.Builder
	warn := func(s string) string { return m.styles.warn.Render(s) }
	style := msgview.Style{Bad: warn, Warn: warn}
	msgview.WriteText(&b, d.view, msgview.TextOptions{Now: m.opts.Now(), Estimated: d.estimated, Terminal: true, Style: style})
	var l []string
	if d.logErr != nil {
		l = append(l, m.styles.warn.Render("(log: "+safe(d.logErr.Error())+")"))
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		l = append(l, expandTabs(strings.TrimSuffix(line, "\r")))
	}
	return l
}

// expandTabs replaces each tab with the spaces up to the next multiple of
// eight columns, as a terminal would move the cursor, so that the screen
// is drawn with what it shows.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

// planView is the confirmation dialog: what the change will do.
func (m *Model) planView() []string {
	p := m.plan
	verb := "Remove"
	extra := "to the quarantine; qmail-send is stopped during the change and started again"
	if p.Op == qmailqueue.OpExpire {
		verb, extra = "Expire", "qmail-send bounces them at its next delivery attempt"
	}
	var b []string
	b = append(b, m.styles.header.Render(fmt.Sprintf("%s %d messages (%s)?", verb, len(p.Items), humanBytes(p.Bytes))), extra, "")
	clean := func(s string) string { return cutPlain(safe(s), 50) }
	b = append(b, p.SummaryLines(3, clean, clean)...)
	b = append(b, "", "y: go ahead   n: cancel")
	box := m.styles.dialog.Width(min(70, m.width-4)).Render(strings.Join(b, "\n"))
	return append([]string{""}, strings.Split(box, "\n")...)
}

// topLines is a dialog's title line and the three values counted most in
// t, with their counts.
func topLines(title string, t *qmailqueue.Tally) []string {
	lines := []string{title}
	for _, c := range t.Top(3) {
		lines = append(lines, fmt.Sprintf("  %6d %s", c.Count, cutPlain(safe(c.Value), 50)))
	}
	return lines
}

// humanBytes writes a size as qq does: 512B, 3.4K, 12M.
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1fK", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
}

// roundAge writes an age in its largest unit: 45s, 12m, 3h, 2d.
func roundAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
