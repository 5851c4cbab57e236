package sendlog

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qqmail/qq/tai64n"
)

func TestSections(t *testing.T) {
	s := Summary{Lines: 9, Bytes: 2048, HasTimes: true, First: tai64n.Label{Sec: 1}, Last: tai64n.Label{Sec: 2},
		FailureReasons: []Count{{"Sorry/", 2}}, DeferralDomains: []Count{{"slow.example", 3}},
		Senders: []SenderCount{{Sender: "", Messages: 1, Bytes: 100, Recipients: 2}},
		Delays:  Delays{N: 1, Mean: time.Second, P50: time.Second, P90: time.Second, P95: time.Second, P99: time.Second, Max: time.Second}}
	secs := s.Sections()
	var titles, records []string
	for _, sec := range secs {
		titles = append(titles, sec.Title)
		records = append(records, sec.Record)
		for _, r := range sec.Rows {
			if len(r) != len(sec.Header) {
				t.Errorf("%s: row %v has %d cells for %d columns", sec.Title, r, len(r), len(sec.Header))
			}
		}
	}
	if want := []string{"totals", "failure reasons", "deferral reasons", "deferrals by domain", "delivery delays", "busiest senders"}; !cmp.Equal(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	if want := []string{"total", "failure", "deferral", "deferral_domain", "delay", "sender"}; !cmp.Equal(records, want) {
		t.Errorf("records %q, want %q", records, want)
	}
	totals := secs[0].Rows
	if !cmp.Equal(totals[0], []any{"first_line", tai64n.Label{Sec: 1}}) || !cmp.Equal(totals[4], []any{"bytes", ByteCount(2048)}) || !cmp.Equal(totals[2], []any{"lines", 9}) {
		t.Errorf("totals %v", totals[:5])
	}
	if got := secs[1].Rows; !cmp.Equal(got, [][]any{{2, "Sorry/"}}) {
		t.Errorf("failure reasons %v", got)
	}
	if got := secs[2].Rows; got != nil {
		t.Errorf("deferral reasons %v, want none", got)
	}
	if got := secs[4].Rows; len(got) != 7 || !cmp.Equal(got[6], []any{"max", time.Second}) {
		t.Errorf("delays %v", got)
	}
	if got := secs[5].Rows; !cmp.Equal(got, [][]any{{1, ByteCount(100), 2, "<>"}}) {
		t.Errorf("senders %v", got)
	}
	// Without times, without deliveries.
	secs = Summary{}.Sections()
	if got := secs[0].Rows[0]; !cmp.Equal(got, []any{"first_line", "-"}) {
		t.Errorf("first line without times = %v", got)
	}
	if got := secs[4].Rows; !cmp.Equal(got, [][]any{{"deliveries", 0}}) {
		t.Errorf("delays without deliveries = %v", got)
	}
}

func TestCellText(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	for _, tt := range []struct {
		c     any
		human bool
		want  string
	}{
		{42, false, "42"},
		{"<a@b>", true, "<a@b>"},
		{ByteCount(1536), false, "1536"},
		{ByteCount(1536), true, "1.5 KiB"},
		{13*time.Minute + 44*time.Second, false, "13m44s"},
		{tai64n.Label{Sec: 935467445, Nano: 787492500}, false, "1999-08-24 05:04:05.787492500"},
	} {
		if got := CellText(tt.c, loc, tt.human); got != tt.want {
			t.Errorf("CellText(%v, human %v) = %q, want %q", tt.c, tt.human, got, tt.want)
		}
	}
}
