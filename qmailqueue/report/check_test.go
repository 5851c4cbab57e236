package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/nagios"
	"github.com/qqmail/qq/qmailqueue"
)

func limit(warn, crit float64) nagios.Threshold {
	return nagios.Threshold{Warn: warn, Crit: crit, HasWarn: true, HasCrit: true}
}

// floodSnapshot has n messages from each of the senders, an hour and a
// half old.
func floodSnapshot(counts map[string]int) *Snapshot {
	s := &Snapshot{Now: now, AgeBuckets: DefaultAgeBuckets, AgeCounts: make([]int, len(DefaultAgeBuckets)+1), Senders: NewGrouper(KeySender, 0)}
	s.ByState = map[qmailqueue.State]int{}
	for sender, n := range counts {
		for range n {
			s.Add(&qmailqueue.Message{Birth: now.Add(-90*time.Minute - 300*time.Millisecond), State: qmailqueue.StatePreprocessed, Sender: sender})
		}
	}
	return s
}

func TestJudge(t *testing.T) {
	s := floodSnapshot(map[string]int{"a@x": 12, "b@x": 7, "c@x": 6, "d@x": 6, "e@x": 2})
	l := CheckLimits{Messages: limit(20, 40), Age: limit(3600, 7200), Bouncing: limit(0, 10), Sender: limit(5, 10)}
	r := l.Judge(s)
	if r.Messages != nagios.Warning || r.Todo != nagios.OK || r.Age != nagios.Warning || r.Bouncing != nagios.OK {
		t.Errorf("states: messages %v todo %v age %v bouncing %v", r.Messages, r.Todo, r.Age, r.Bouncing)
	}
	if r.Oldest != 90*time.Minute {
		t.Errorf("Oldest = %v, want 1h30m in whole seconds", r.Oldest)
	}
	if len(r.Flood) != MaxFloodFindings || r.MoreFlood != 1 || r.Flood[0].Name != "a@x" || r.Flood[1].Name != "b@x" {
		t.Errorf("Flood = %+v, more %d", r.Flood, r.MoreFlood)
	}
	if r.FloodStates[0] != nagios.Critical || r.FloodStates[1] != nagios.Warning {
		t.Errorf("FloodStates = %v", r.FloodStates)
	}
	if r.Top.Name != "a@x" || r.Top.Messages != 12 {
		t.Errorf("Top = %+v", r.Top)
	}
	// Without a sender limit there is no flood check.
	l.Sender = nagios.Threshold{}
	if r := l.Judge(s); r.Flood != nil || r.Top.Messages != 0 || r.MoreFlood != 0 {
		t.Errorf("no sender limit: %+v", r)
	}
	// A critical limit alone: only senders above it flood.
	l.Sender = nagios.Threshold{Crit: 6, HasCrit: true}
	if r := l.Judge(s); len(r.Flood) != 2 || r.FloodStates[1] != nagios.Critical || r.MoreFlood != 0 {
		t.Errorf("critical limit only: %+v", r)
	}
}

func TestCheckPerf(t *testing.T) {
	s := floodSnapshot(map[string]int{"a@x": 3, "b@x": 1})
	l := CheckLimits{Messages: limit(20, 40), Age: limit(3600, 7200)}
	perfLine := func(perf []nagios.Perf) string {
		var out []string
		for _, p := range perf {
			out = append(out, p.String())
		}
		return strings.Join(out, " ")
	}
	want := fmt.Sprintf("messages=4;20;40;0 todo=0;;;0 oldest=5400s;3600;7200;0 bouncing=0;;;0 bytes=%dB;;;0", s.Bytes)
	if got := perfLine(l.Perf(s, l.Judge(s))); got != want {
		t.Errorf("Perf without a sender limit = %q, want %q", got, want)
	}
	l.Sender = limit(2, 5)
	if got := perfLine(l.Perf(s, l.Judge(s))); !strings.Contains(got, " top_sender=3;2;5;0 bytes=") {
		t.Errorf("Perf with a sender limit = %q, want top_sender=3;2;5;0 before bytes", got)
	}
}

func TestCheckFindingsAndSummary(t *testing.T) {
	s := floodSnapshot(map[string]int{"a@x": 12, "b@x": 7, "c@x": 6, "d@x": 6, "e@x": 2})
	l := CheckLimits{Messages: limit(20, 40), Age: limit(3600, 7200), Sender: limit(5, 10)}
	f := CheckFormat{Age: func(d time.Duration) string { return d.String() }, AgeLimit: func(d time.Duration) string { return "<" + d.String() + ">" },
		Name: func(n string) string { return "[" + n + "]" }}
	r := l.Judge(s)
	got := l.Findings(s, r, f)
	want := []string{"33 messages (warning above 20)", "oldest 1h30m0s (warning above <1h0m0s>)",
		"[a@x] has 12 messages (critical above 10)", "[b@x] has 7 messages (warning above 5)", "[c@x] has 6 messages (warning above 5) and 1 more"}
	if len(got) != len(want) {
		t.Fatalf("Findings = %+v, want %q", got, want)
	}
	for i := range want {
		if got[i].Text != want[i] {
			t.Errorf("finding %d = %q, want %q", i, got[i].Text, want[i])
		}
	}
	quiet := CheckLimits{Sender: limit(50, 100)}
	summary := strings.Join(quiet.Summary(s, quiet.Judge(s), f), "; ")
	if want := "33 messages, 0 not preprocessed, oldest 1h30m0s, 0 bouncing; top sender [a@x] 12"; summary != want {
		t.Errorf("Summary = %q, want %q", summary, want)
	}
	one := floodSnapshot(map[string]int{"a@x": 1})
	if got := (CheckLimits{}).Summary(one, CheckLimits{}.Judge(one), f); len(got) != 1 || !strings.HasPrefix(got[0], "1 message, ") {
		t.Errorf("Summary of one message = %q", got)
	}
}

func TestParseSenderKey(t *testing.T) {
	for in, want := range map[string]Key{"sender": KeySender, "from": KeySender, "sender-domain": KeySenderDomain} {
		if got, err := ParseSenderKey(in); err != nil || got != want {
			t.Errorf("ParseSenderKey(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"subject", "nonsense"} {
		if _, err := ParseSenderKey(bad); err == nil || err.Error() != `"`+bad+`": choose sender or sender-domain` {
			t.Errorf("ParseSenderKey(%q) error = %v", bad, err)
		}
	}
}
