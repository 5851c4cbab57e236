package browse

// Drawing the quarantine screen and the requeue dialog (quarantine.go has
// the state and the keys).

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/qqmail/qq/qmailqueue"
)

// quarantineView draws the quarantine screen: the runs, newest first, the
// entries of the opened ones, and what the row under the cursor is.
func (m *Model) quarantineView() []string {
	z := &m.qz
	if v := z.view; v != nil {
		page := m.height - 3
		v.scroll = min(v.scroll, max(0, len(v.lines)-page))
		return v.lines[v.scroll:]
	}
	switch {
	case !m.quarantineAvailable():
		return []string{"", "no quarantine here"}
	case z.err != "" && !z.loaded:
		return []string{"", m.styles.warn.Render("quarantine: " + safe(z.err))}
	case !z.loaded:
		return []string{"", "reading the quarantine…"}
	}
	var ready, bytes int64
	for _, r := range z.runs {
		ready += int64(r.ready)
		bytes += r.bytes
	}
	head := fmt.Sprintf("%s, %s (%s), %d can be requeued", plural(len(z.runs), "run"), plural(len(z.entries), "message"), humanBytes(bytes), ready)
	if len(z.problems) > 0 {
		head += ", " + plural(len(z.problems), "problem")
	}
	head += ", in " + safe(m.opts.Quarantine)
	if z.err != "" {
		// The last read failed: what is shown is the one before.
		head = m.styles.warn.Render("reading again: "+safe(z.err)) + "  " + head
	}
	lines := []string{head, m.styles.header.Render(fmt.Sprintf("  %-12s %6s %7s  %-22s %s", "RUN / ID", "REMOVED", "SIZE", "SENDER", "STATUS"))}
	now := m.opts.Now()
	page := m.quarantinePage()
	for i := z.top; i < len(z.rows) && i < z.top+page; i++ {
		row := z.rows[i]
		run := &z.runs[row.run]
		var l string
		if row.entry < 0 {
			open := "▸"
			if z.opened[run.name] {
				open = "▾"
			}
			marked := 0
			for _, k := range run.entries {
				if z.marks[z.entries[k].Name()] {
					marked++
				}
			}
			mark := " "
			if marked > 0 {
				mark = "*"
			}
			l = fmt.Sprintf("%s%s %s  %s, %d can be requeued", mark, open, safe(run.name), plural(len(run.entries), "message"), run.ready)
			if run.requeued > 0 {
				l += fmt.Sprintf(", %d requeued", run.requeued)
			}
		} else {
			e := &z.entries[row.entry]
			// * marked, - cannot be requeued (the lines under the list
			// say why).
			mark := " "
			switch {
			case z.marks[e.Name()]:
				mark = "*"
			case !z.requeueable(row.entry):
				mark = "-"
			}
			id := strings.TrimPrefix(e.Name(), e.Run+"/")
			l = fmt.Sprintf("%s   %-10s %6s %7s  %-22s %s", mark, cutPlain(safe(id), 10), roundAge(now.Sub(e.RemovedAt)), humanBytes(e.Size),
				cutPlain(safe(e.SenderText()), 22), z.status[row.entry])
		}
		l = cutPlain(l, m.width)
		switch {
		case i == z.cursor:
			l = m.styles.selected.Render(l)
		case row.entry >= 0 && z.marks[z.entries[row.entry].Name()]:
			l = m.styles.marked.Render(l)
		}
		lines = append(lines, l)
	}
	if len(z.rows) == 0 {
		lines = append(lines, "  (the quarantine is empty)")
		if m.query != "" {
			lines[len(lines)-1] = "  (no quarantined message matches the filter)"
		}
	}
	for len(lines) < page+2 {
		lines = append(lines, "")
	}
	return append(append(lines, ""), m.quarantineDetail()...)
}

// quarantineDetail describes the row under the cursor in four lines.
func (m *Model) quarantineDetail() []string {
	z := &m.qz
	if len(z.rows) == 0 {
		return nil
	}
	row := z.rows[z.cursor]
	if row.entry < 0 {
		run := &z.runs[row.run]
		kinds := qmailqueue.Tally{}
		for _, i := range run.entries {
			kinds.Add(string(z.entries[i].Kind))
		}
		var ks []string
		for _, c := range kinds.Top(3) {
			ks = append(ks, fmt.Sprintf("%d %s", c.Count, c.Value))
		}
		lines := []string{
			"Run      " + safe(run.name) + ": " + strings.Join(ks, ", ") + ", " + humanBytes(run.bytes),
			"Made by  " + safe(cmp.Or(run.reason, "(not recorded)")),
		}
		// The run's problems (qq quarantine list warns of them), the
		// first two.
		for _, p := range z.problems {
			if strings.HasPrefix(p, run.name+":") || strings.HasPrefix(p, run.name+"/") {
				lines = append(lines, "Problem  "+safe(p))
				if len(lines) == 4 {
					break
				}
			}
		}
		return lines
	}
	e := &z.entries[row.entry]
	lines := []string{
		"Subject  " + safe(e.Subject),
		"To       " + safe(e.RecipientSummary()) + ", removed " + e.RemovedAt.UTC().Format("2006-01-02 15:04:05 MST"),
		"Made by  " + safe(cmp.Or(e.Reason, "(not recorded)")),
	}
	if !z.requeueable(row.entry) {
		// Why, in the last two lines: the reasons are a sentence long.
		why := wrap(safe(m.cannot(row.entry)), max(20, m.width-9), 2)
		lines = lines[:4-len(why)]
		for i, w := range why {
			label := "         "
			if i == 0 {
				label = "Cannot   "
			}
			lines = append(lines, label+w)
		}
	}
	return lines
}

// plural writes a count and its noun: 1 run, 2 runs.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// wrap breaks s into at most n lines of width cells at spaces, the last
// one cut.
func wrap(s string, width, n int) []string {
	var lines []string
	for len(lines) < n-1 && len([]rune(s)) > width {
		r := []rune(s)
		cut := strings.LastIndex(string(r[:width]), " ")
		if cut <= 0 {
			break
		}
		lines = append(lines, s[:cut])
		s = s[cut+1:]
	}
	return append(lines, s)
}

// requeuePlanView is the confirmation dialog of a requeue.
func (m *Model) requeuePlanView() []string {
	p := m.qz.plan
	var b []string
	b = append(b, m.styles.header.Render(fmt.Sprintf("Requeue %d messages (%s)?", len(p.plan.Todo), humanBytes(qmailqueue.EntriesSize(p.plan.Todo)))),
		"Each is queued as a new message by qmail-queue (qmail-send keeps running) and marked requeued in its run's manifest, so that it is not requeued twice.",
		"qmail-queue: "+safe(m.opts.Injector.Path), "")
	b = append(b, topLines("From runs:", &p.runs)...)
	b = append(b, topLines("Senders:", &p.from)...)
	if n := len(p.plan.Refused); n > 0 {
		b = append(b, fmt.Sprintf("%d cannot be requeued and are left alone:", n))
		for _, r := range p.plan.Refused[:1] {
			b = append(b, "  "+cutPlain(safe(r.Entry.Name()+": "+r.Reason), 62))
		}
	}
	b = append(b, "", "y: go ahead   n: cancel")
	box := m.styles.dialog.Width(min(70, m.width-4)).Render(strings.Join(b, "\n"))
	return append([]string{""}, strings.Split(box, "\n")...)
}
