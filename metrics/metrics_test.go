package metrics

import (
	"bufio"
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
)

func TestFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 41282260: "41282260", 0.5: "0.5", -3: "-3", math.Inf(1): "+Inf", math.Inf(-1): "-Inf", 1e300: "1e+300",
	} {
		if got := Float(v); got != want {
			t.Errorf("Float(%v) = %q, want %q", v, got, want)
		}
	}
	if got := Float(math.NaN()); got != "NaN" {
		t.Errorf("Float(NaN) = %q", got)
	}
}

func TestEscapeLabel(t *testing.T) {
	for in, want := range map[string]string{
		"a@b":        "a@b",
		`a\b`:        `a\\b`,
		`say "hi"`:   `say \"hi\"`,
		"two\nlines": `two\nlines`,
		"bad\xffutf": "bad\uFFFDutf",
	} {
		if got := EscapeLabel(in); got != want {
			t.Errorf("EscapeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterFamilyAndHistogram(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	p := NewWriter(bw)
	p.Family("x", "gauge", "a \\ b\nc")
	p.Sample("x", 1, "l", `v"`, "m", "w")
	p.Histogram("h", "H.", []float64{1, 10}, []int{2, 0, 3}, 42.5)
	bw.Flush()
	want := `# HELP x a \\ b\nc
# TYPE x gauge
x{l="v\"",m="w"} 1
# HELP h H.
# TYPE h histogram
h_bucket{le="1"} 2
h_bucket{le="10"} 2
h_bucket{le="+Inf"} 5
h_sum 42.5
h_count 5
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// snapshot is a snapshot of three messages, two of them from one sender.
func snapshot(t *testing.T, senders report.Key) *report.Snapshot {
	t.Helper()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := &report.Snapshot{Now: now, AgeBuckets: report.DefaultAgeBuckets, AgeCounts: make([]int, len(report.DefaultAgeBuckets)+1),
		Duration: 1500 * time.Millisecond}
	s.ByState = map[qmailqueue.State]int{}
	if senders != 0 {
		s.Senders = report.NewGrouper(senders, 0)
	}
	for i, from := range []string{"a@x.example", "a@x.example", ""} {
		m := &qmailqueue.Message{Birth: now.Add(-time.Duration(i+1) * time.Hour), State: qmailqueue.StatePreprocessed, Sender: from}
		s.Add(m)
	}
	return s
}

func TestWrite(t *testing.T) {
	snap := snapshot(t, report.KeySender)
	var buf bytes.Buffer
	since := snap.Now.Add(-90 * time.Second)
	err := Write(&buf, snap, Options{Lifetime: 7 * 24 * time.Hour, Senders: report.KeySender, SenderMin: 1, SenderMax: 10,
		Send: &Send{Supervised: true, Up: true, Since: since}})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, line := range []string{
		`qmail_queue_messages{state="queued"} 3`,
		`qmail_queue_oldest_message_age_seconds 10800`,
		`qmail_queue_lifetime_seconds 604800`,
		`qmail_queue_message_age_seconds_sum 21600`,
		`qmail_queue_message_age_seconds_count 3`,
		`qmail_queue_senders 2`,
		`qmail_queue_sender_messages{sender="a@x.example"} 2`,
		`qmail_queue_sender_messages{sender="<>"} 1`,
		`qmail_send_supervised 1`,
		`qmail_send_up 1`,
		`qmail_send_paused 0`,
		`qmail_send_state_seconds 90`,
		`qmail_queue_scan_duration_seconds 1.5`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("no line %q in\n%s", line, out)
		}
	}
	for _, st := range States {
		if !strings.Contains(out, `qmail_queue_messages{state="`+st.String()+`"}`) {
			t.Errorf("no sample for state %s", st)
		}
	}
}

func TestWriteWithoutSendersOrService(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, snapshot(t, 0), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, absent := range []string{"qmail_queue_senders", "qmail_send_", "sender_messages"} {
		if strings.Contains(out, absent) {
			t.Errorf("%q written without being asked for:\n%s", absent, out)
		}
	}
}

func TestWriteUnsupervised(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, snapshot(t, 0), Options{Send: &Send{Up: true, Paused: true}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, line := range []string{"qmail_send_supervised 0\n", "qmail_send_up 0\n", "qmail_send_paused 0\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("no %q in\n%s", line, out)
		}
	}
	if strings.Contains(out, "qmail_send_state_seconds") {
		t.Error("state seconds written for an unsupervised service")
	}
}
