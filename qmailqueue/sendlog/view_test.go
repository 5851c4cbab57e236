package sendlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qqmail/qq/tai64n"
)

// TestViewsGolden locks the JSON schema of qq log trace (HistoryView) and
// qq log summary (SummaryView), and the text of qq log trace
// (WriteHistory), on the sample log.
func TestViewsGolden(t *testing.T) {
	ctx := context.Background()
	l := openSample(t)
	var out strings.Builder
	for _, id := range []uint64{1001, 2000} {
		hs, err := TraceID(ctx, l, nil, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			b, err := json.Marshal(NewHistoryView(h))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%s\n", b)
			if err := WriteHistory(&out, h, time.UTC, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	sum, err := Summarize(ctx, l, nil, time.Time{}, time.Time{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(NewSummaryView(sum))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&out, "%s\n", b)
	golden(t, "views.golden", out.String())
}

// TestViewsEmpty checks that empty lists are [] and never null.
func TestViewsEmpty(t *testing.T) {
	b, err := json.Marshal(NewHistoryView(&History{ID: 5, Partial: true}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":5,"partial":true,"state":"queued","info":null,"deliveries":[],"bounces":[],"triple_bounce":false,"warnings":0,"last_attempts":[],"lines":[]}`
	if string(b) != want {
		t.Errorf("empty history:\n got %s\nwant %s", b, want)
	}
	b, err = json.Marshal(NewSummaryView(Summary{}))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "null") || !strings.Contains(s, `"senders":[]`) {
		t.Errorf("empty summary has a null list: %s", s)
	}
}

func TestNewLineView(t *testing.T) {
	info := Parse([]byte("@4000000037c219bf2ef02e94 info msg 12: bytes 300 from <> qp 77 uid 0"))
	v := NewLineView(&info, nil)
	if v.Kind != "info_msg" || v.Sender == nil || *v.Sender != "" || v.QP != 77 || v.Time != "1999-08-24T04:04:05.7874925Z" {
		t.Errorf("NewLineView(info msg) = %+v", v)
	}
	d := &Delivery{Number: 3, Msg: 12, Channel: "remote", Recipient: "bob@example.net"}
	result := Parse([]byte("delivery 3: deferral: Connection_refused/"))
	v = NewLineView(&result, d)
	want := LineView{Kind: "delivery", Msg: 12, Delivery: 3, Channel: "remote", Recipient: "bob@example.net",
		Outcome: "deferral", Text: "Connection_refused/", Line: "delivery 3: deferral: Connection_refused/"}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("NewLineView(delivery) (-want +got):\n%s", diff)
	}
}

func TestMessageAttempts(t *testing.T) {
	ctx := context.Background()
	l := openSample(t)
	got, err := MessageAttempts(ctx, l, &Parser{Location: time.UTC}, 2000, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := LastAttempts(ctx, l, nil, 2000, time.Time{})
	if len(got) != len(last) || len(got) == 0 {
		t.Fatalf("MessageAttempts(2000) = %d attempts, want %d", len(got), len(last))
	}
	for i, d := range last {
		want := Attempt{Channel: d.Channel, Recipient: d.Recipient, Started: d.Started.Local(time.UTC),
			Outcome: d.Outcome.String(), Text: d.Text, Lost: d.Lost}
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("attempt %d (-want +got):\n%s", i, diff)
		}
	}
	if got, err := MessageAttempts(ctx, l, nil, 77, time.Time{}); err != nil || got == nil || len(got) != 0 {
		t.Errorf("MessageAttempts of a message not logged = %#v, %v; want an empty list", got, err)
	}
	if _, err := MessageAttempts(ctx, FromReader("broken", iotestErr{}), nil, 1, time.Time{}); err == nil {
		t.Errorf("MessageAttempts on a log that cannot be read: no error")
	}
}

// iotestErr is a reader that always fails.
type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("read error") }

func TestFormatDelay(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                          "0s",
		850 * time.Millisecond:                "850ms",
		42*time.Second + 400*time.Millisecond: "42s",
		13*time.Minute + 44*time.Second:       "13m44s",
		3*time.Hour + 5*time.Minute:           "3h05m",
		52 * time.Hour:                        "2d04h",
	} {
		if got := FormatDelay(d); got != want {
			t.Errorf("FormatDelay(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestAppendReadable(t *testing.T) {
	stamp := tai64n.LocalFormatter(time.UTC)
	for _, tt := range []struct{ line, want string }{
		{"@4000000037c219bf2ef02e94 end msg 5", "1999-08-24 04:04:05.787492500 end msg 5"},
		{"end msg 5", "end msg 5"},
		{"2024-06-01 09:00:00.500000000 end msg 5", "2024-06-01 09:00:00.500000000 end msg 5"},
	} {
		e := Parse([]byte(tt.line))
		if got := string(AppendReadable([]byte("> "), &e, []byte(tt.line), stamp)); got != "> "+tt.want {
			t.Errorf("AppendReadable(%q) = %q, want %q", tt.line, got, "> "+tt.want)
		}
	}
	// A label the formatter cannot print leaves the line as it was.
	e := Parse([]byte("@4000000037c219bf2ef02e94 end msg 5"))
	never := func(dst []byte, _ tai64n.Label) ([]byte, bool) { return dst, false }
	if got := string(AppendReadable(nil, &e, []byte("raw line"), never)); got != "raw line" {
		t.Errorf("AppendReadable with a failing formatter = %q, want the raw line", got)
	}
}

// TestWriteHistoryEscapes checks that every text from the log goes through
// the escape function.
func TestWriteHistoryEscapes(t *testing.T) {
	h := &History{ID: 9, Info: &Info{Sender: "evil\x1b"}, Events: []Event{{Line: "x\x1b"}},
		Deliveries: []*Delivery{{Channel: "local", Recipient: "r\x1b", Outcome: OutcomeFailure, Text: "t\x1b",
			Started: tai64n.Label{Sec: 1}, Finished: tai64n.Label{Sec: 2}}}}
	var out strings.Builder
	esc := func(s string) string { return strings.ReplaceAll(s, "\x1b", "<ESC>") }
	if err := WriteHistory(&out, h, time.UTC, esc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") || strings.Count(out.String(), "<ESC>") != 4 {
		t.Errorf("WriteHistory did not escape all four texts:\n%s", out.String())
	}
}
