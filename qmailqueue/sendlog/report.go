package sendlog

import (
	"fmt"
	"strconv"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/tai64n"
)

// Section is one block of a [Summary] as qq log summary reports it: a
// table, or tab-separated records whose first field is Record.
type Section struct {
	Title  string   // "totals", "failure reasons", …
	Record string   // the first field of each tab-separated record
	Header []string // the column names
	// Rows holds the cells: a string, an int, a [ByteCount], a
	// time.Duration (a delay) or a tai64n.Label (a time), for the caller
	// to format.
	Rows [][]any
}

// ByteCount is a cell holding a number of bytes, which a report may print
// for people (1.5 MiB).
type ByteCount uint64

// Sections lays the summary out in the order qq log summary prints it:
// totals (zoverall), failure and deferral reasons (zfailures, zdeferrals),
// deferrals by domain, delivery delays (zddist) and the busiest senders
// (zsenders). A summary without times has "-" for its first and last line.
func (s Summary) Sections() []Section {
	var first, last any = "-", "-"
	if s.HasTimes {
		first, last = s.First, s.Last
	}
	totals := Section{Title: "totals", Record: "total", Header: []string{"what", "count"},
		Rows: [][]any{
			{"first_line", first},
			{"last_line", last},
			{"lines", s.Lines},
			{"messages", s.Messages},
			{"bytes", ByteCount(s.Bytes)},
			{"ended", s.Ended},
			{"bounces", s.Bounces},
			{"triple_bounces", s.TripleBounces},
			{"attempts", s.Attempts},
			{"successes", s.Successes},
			{"failures", s.Failures},
			{"deferrals", s.Deferrals},
			{"warnings", s.Warnings},
			{"alerts", s.Alerts},
			{"other_lines", s.Other},
		}}
	counts := func(title, record, what string, cs []Count) Section {
		sec := Section{Title: title, Record: record, Header: []string{"count", what}}
		for _, c := range cs {
			sec.Rows = append(sec.Rows, []any{c.N, c.Key})
		}
		return sec
	}
	d := s.Delays
	delays := Section{Title: "delivery delays", Record: "delay", Header: []string{"what", "delay"},
		Rows: [][]any{{"deliveries", d.N}}}
	if d.N > 0 {
		for _, r := range []struct {
			name string
			d    time.Duration
		}{{"mean", d.Mean}, {"p50", d.P50}, {"p90", d.P90}, {"p95", d.P95}, {"p99", d.P99}, {"max", d.Max}} {
			delays.Rows = append(delays.Rows, []any{r.name, r.d})
		}
	}
	senders := Section{Title: "busiest senders", Record: "sender", Header: []string{"messages", "bytes", "recipients", "sender"}}
	for _, snd := range s.Senders {
		senders.Rows = append(senders.Rows, []any{snd.Messages, ByteCount(snd.Bytes), snd.Recipients, "<" + snd.Sender + ">"})
	}
	return []Section{
		totals,
		counts("failure reasons", "failure", "reason", s.FailureReasons),
		counts("deferral reasons", "deferral", "reason", s.DeferralReasons),
		counts("deferrals by domain", "deferral_domain", "domain", s.DeferralDomains),
		delays,
		senders,
	}
}

// CellText formats a cell of a [Section]: a time as tai64nlocal prints it
// in loc, a delay with [FormatDelay], and a byte count as a number or, for
// people (human), as [qmailqueue.FormatSize] does (1.5 KiB).
func CellText(c any, loc *time.Location, human bool) string {
	switch v := c.(type) {
	case int:
		return strconv.Itoa(v)
	case ByteCount:
		if human {
			return qmailqueue.FormatSize(int64(v))
		}
		return strconv.FormatUint(uint64(v), 10)
	case time.Duration:
		return FormatDelay(v)
	case tai64n.Label:
		return v.Local(loc)
	}
	return fmt.Sprint(c)
}
