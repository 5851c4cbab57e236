package sendlog

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qqmail/qq/tai64n"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func stamp(l tai64n.Label) string {
	if l.IsZero() {
		return "-"
	}
	return l.Time().Format("15:04:05.000")
}

// render prints histories in a compact, reviewable form.
func render(hs []*History) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "msg %d start %s", h.ID, stamp(h.Start))
		for _, flag := range []struct {
			on   bool
			name string
		}{{h.Partial, "partial"}, {h.Ended, "ended " + stamp(h.End)}, {h.Superseded, "superseded"}, {h.Open(), "open"}} {
			if flag.on {
				b.WriteString(", " + flag.name)
			}
		}
		if h.Warnings > 0 {
			fmt.Fprintf(&b, ", %d warnings", h.Warnings)
		}
		b.WriteString("\n")
		if i := h.Info; i != nil {
			fmt.Fprintf(&b, "  info %s: %d bytes from <%s> qp %d uid %d\n", stamp(i.At), i.Bytes, i.Sender, i.QP, i.UID)
		}
		for _, d := range h.Deliveries {
			fmt.Fprintf(&b, "  delivery %d %s %s %s → %s %s", d.Number, stamp(d.Started), d.Channel, d.Recipient, stamp(d.Finished), d.Outcome)
			if d.Mangled {
				b.WriteString(" (mangled)")
			}
			if d.Lost {
				b.WriteString(" LOST")
			}
			if d.Text != "" {
				b.WriteString(": " + d.Text)
			}
			b.WriteString("\n")
		}
		for _, bo := range h.Bounces {
			fmt.Fprintf(&b, "  bounce %s qp %d\n", stamp(bo.At), bo.QP)
		}
		if h.TripleBounce {
			fmt.Fprintf(&b, "  triple bounce %s\n", stamp(h.TripleBounceAt))
		}
		s, f, z := h.Counts()
		fmt.Fprintf(&b, "  %d events, %d success, %d failure, %d deferral\n", len(h.Events), s, f, z)
		for _, d := range h.LastAttempts() {
			fmt.Fprintf(&b, "  last attempt to %s: %d %s\n", d.Recipient, d.Number, d.Outcome)
		}
	}
	return b.String()
}

func openSample(t *testing.T) *Log {
	t.Helper()
	l, err := OpenDir(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestTraceIDGolden(t *testing.T) {
	l := openSample(t)
	var out strings.Builder
	// 1001: ID reuse; 1002: deferrals across two rotations, then success;
	// 1010: double bounce; 1011: triple bounce; 2000: still queued across
	// a restart; 3000: a mangled report and a delivery lost at a crash;
	// 999: began before the log; 4000: only a warning.
	for _, id := range []uint64{1001, 1002, 1010, 1011, 2000, 3000, 999, 4000, 5} {
		hs, err := TraceID(context.Background(), l, nil, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "== trace %d: %d histories\n%s", id, len(hs), render(hs))
	}
	golden(t, "trace_id.golden", out.String())
}

func TestTraceAddressGolden(t *testing.T) {
	var out strings.Builder
	for _, addr := range []string{"alice@example.com", "DAVE@slow.example", "<carol@example.org>", "<>", "nobody@example.invalid"} {
		for _, l := range []*Log{openSample(t), streamOf(t, openSample(t))} {
			hs, err := TraceAddress(context.Background(), l, nil, addr)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "== trace %s (rereadable %v): %d histories\n%s", addr, l.Rereadable(), len(hs), render(hs))
		}
	}
	golden(t, "trace_address.golden", out.String())
}

// streamOf returns the lines of l as a stream, to exercise the one-pass
// path.
func streamOf(t *testing.T, l *Log) *Log {
	t.Helper()
	return FromReader("stream", strings.NewReader(strings.Join(readLines(t, l, ReadOptions{}), "\n")+"\n"))
}

func TestLookup(t *testing.T) {
	l := openSample(t)
	ctx := context.Background()
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		id    uint64
		birth time.Time
		want  string // start of the history found, or the error
	}{
		{2000, time.Time{}, "09:00:25.128"},                 // the open history
		{2000, at("2024-06-01 09:00:25"), "09:00:25.128"},   // by birth
		{1001, at("2024-06-01 09:07:42"), "09:07:42.150"},   // the second use of 1001
		{1001, at("2024-06-01 09:00:01"), "09:00:01.102"},   // the first
		{1001, time.Time{}, "not in the log"},               // both ended: not queued
		{1001, at("2024-06-01 12:00:00"), "not in the log"}, // a third use, not logged
		{4000, time.Time{}, "09:07:47.180"},                 // known only from a warning
		{77, time.Time{}, "not in the log"},
	}
	for _, tt := range tests {
		h, err := Lookup(ctx, l, nil, tt.id, tt.birth)
		got := ""
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			got = "not in the log"
		} else {
			got = stamp(h.Start)
		}
		if got != tt.want {
			t.Errorf("Lookup(%d, %v) = %s, want %s", tt.id, tt.birth, got, tt.want)
		}
	}
	h, err := Lookup(ctx, l, nil, 2000, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range h.LastAttempts() {
		got = append(got, fmt.Sprintf("%s %s %s", d.Recipient, d.Outcome, d.Text))
	}
	want := []string{
		"dave@slow.example deferral 198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_<dave@slow.example>:_Recipient_address_rejected:_Greylisted/",
		"erin@example.net success 192.0.2.25_accepted_message./Remote_host_said:_250_ok_1717232401_qp_777/",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LastAttempts (-want +got):\n%s", diff)
	}
}

// TestTrackerSelect checks that a rejected history stays rejected for the
// rest of its life, and that superseded histories are handed over.
func TestTrackerSelect(t *testing.T) {
	var done []string
	tr := &Tracker{
		Select: func(h *History) bool { return h.Info != nil && h.Info.Sender == "keep@x" },
		Done: func(h *History) {
			done = append(done, fmt.Sprintf("%d superseded=%v ended=%v", h.ID, h.Superseded, h.Ended))
		},
	}
	var kept []string
	for _, line := range []string{
		"new msg 1", "info msg 1: bytes 1 from <drop@x> qp 1 uid 1",
		"starting delivery 1: msg 1 to local a@x", "delivery 1: success: ok",
		"new msg 2", "info msg 2: bytes 1 from <keep@x> qp 2 uid 1",
		"starting delivery 2: msg 2 to local a@x", "delivery 2: deferral: later",
		"new msg 2", // preprocessed again: the first history of 2 is superseded
		"end msg 1", "new msg 1", "starting delivery 3: msg 1 to local b@x",
	} {
		e := Parse([]byte(line))
		h, _ := tr.Add(&e)
		if h != nil {
			kept = append(kept, line)
		}
	}
	tr.Close()
	// A history is kept until its info msg line decides; callers that
	// filter hold its new msg line until then.
	wantKept := []string{
		"new msg 1", "new msg 2",
		"info msg 2: bytes 1 from <keep@x> qp 2 uid 1",
		"starting delivery 2: msg 2 to local a@x", "delivery 2: deferral: later",
		"new msg 2", "new msg 1", "starting delivery 3: msg 1 to local b@x",
	}
	if diff := cmp.Diff(wantKept, kept); diff != "" {
		t.Errorf("kept lines (-want +got):\n%s", diff)
	}
	wantDone := []string{"2 superseded=true ended=false", "2 superseded=false ended=false", "1 superseded=false ended=false"}
	if diff := cmp.Diff(wantDone, done); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
}

// FuzzTracker feeds arbitrary lines to a Tracker and a Summarizer: they
// must not fail, and every kept history must be handed back once.
func FuzzTracker(f *testing.F) {
	data, err := os.ReadFile(filepath.Join(sampleDir, "current"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("new msg 1\nnew msg 1\nstarting delivery 2: msg 1 to local a\nstarting delivery 1: msg 1 to local b\ndelivery 1: success: x\nstatus: exiting\nend msg 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		seen := map[*History]int{}
		tr := &Tracker{KeepDeliveries: true, KeepEvents: true, Done: func(h *History) { seen[h]++ }}
		sum := NewSummarizer(time.Time{}, time.Time{}, 3)
		for _, line := range strings.Split(string(data), "\n") {
			e := Parse([]byte(line))
			tr.Add(&e)
			sum.Add(&e)
		}
		tr.Close()
		for h, n := range seen {
			if n != 1 {
				t.Fatalf("history of %d handed back %d times", h.ID, n)
			}
		}
		s := sum.Summary()
		if s.Successes+s.Failures+s.Deferrals > s.Lines {
			t.Fatalf("more results than lines: %+v", s)
		}
	})
}
