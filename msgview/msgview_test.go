package msgview_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/msgview"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/qqmail/qq/qmailqueue/sendlog"
)

// hostileMessage queues a bouncing message whose subject, body and bounce
// report carry an escape sequence, and loads it with its body.
func hostileMessage(t *testing.T) (*msgview.Detail, time.Time) {
	t.Helper()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	b := queuetest.NewT(t, queuetest.Options{})
	id, err := b.Add(queuetest.Message{Sender: "s\x07@x.example", Birth: now.Add(-2 * time.Hour),
		Recipients: []queuetest.Recipient{{Addr: "r@y.example", Remote: true}, {Addr: "l@local.example", Done: true}},
		Header:     "Subject: Win \x1b]0;owned\x07 now\n", Body: []byte("line one\n\tclick \x1b[2J here\n"),
		Bounce: "<x@local.example>:\nno mailbox \x1b[31mhere\n\n"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := msgview.Load(q, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := msgview.Load(q, id+1, false); !errors.Is(err, qmailqueue.ErrNotFound) {
		t.Errorf("Load of a missing message: %v, want ErrNotFound", err)
	}
	return d, now
}

func TestWriteText(t *testing.T) {
	d, now := hostileMessage(t)
	var painted []string
	style := msgview.Style{Warn: func(s string) string { painted = append(painted, s); return "[" + s + "]" }}
	for _, terminal := range []bool{true, false} {
		var b strings.Builder
		if err := msgview.WriteText(&b, d, msgview.TextOptions{Now: now, Terminal: terminal, Style: style}); err != nil {
			t.Fatal(err)
		}
		text := b.String()
		// Elsewhere than on a terminal the body is written as it is.
		if head, _, _ := strings.Cut(text, "Body"); strings.ContainsAny(head, "\x1b\x07") || terminal && strings.ContainsAny(text, "\x1b\x07") {
			t.Errorf("terminal %v: a control byte from the queue is written raw:\n%q", terminal, text)
		}
		for _, want := range []string{
			"Sender:      <s_@x.example>\n",
			"Queued at:   2026-05-01 10:00:00 UTC (2h00m ago)\n",
			"Bouncing:    [yes] (a bounce is sent when the last recipient is done)\n",
			"Recipients: 2, 1 pending\n  local   done     l@local.example\n  remote  pending  r@y.example\n",
			"Bounce report (bounce/",
			"  <x@local.example>:\n",
			"Body (decoded text parts):\nline one\n\tclick ",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("terminal %v: text lacks %q:\n%s", terminal, want, text)
			}
		}
		escaped := map[bool][]string{
			true:  {`Subject: Win \x1b]0;owned\x07 now`, `no mailbox \x1b[31mhere`, `click \x1b[2J here`},
			false: {"Subject: Win _]0;owned_ now", "no mailbox _[31mhere"},
		}[terminal]
		for _, want := range escaped {
			if !strings.Contains(text, want) {
				t.Errorf("terminal %v: text lacks %q:\n%s", terminal, want, text)
			}
		}
		if strings.Contains(text, "Last delivery attempts") {
			t.Error("attempts shown without a log")
		}
	}
	if len(painted) != 2 {
		t.Errorf("Style.Warn called for %q, want bouncing's yes twice", painted)
	}
}

func TestWriteTextAttempts(t *testing.T) {
	d, now := hostileMessage(t)
	d.Attempts = &[]sendlog.Attempt{}
	var b strings.Builder
	msgview.WriteText(&b, d, msgview.TextOptions{Now: now})
	if !strings.Contains(b.String(), "Last delivery attempts: none in the log\n") {
		t.Errorf("no attempts:\n%s", b.String())
	}
	d.Attempts = &[]sendlog.Attempt{
		{Channel: "remote", Recipient: "r@y.example", Started: "2026-05-01 11:00:00.000000000", Outcome: "deferral", Text: "Connection refused.\x1b[2J"},
		{Channel: "remote", Recipient: "r2@y.example", Started: "2026-05-01 11:01:00.000000000", Lost: true},
	}
	b.Reset()
	msgview.WriteText(&b, d, msgview.TextOptions{Now: now, Terminal: true})
	want := "Last delivery attempts (qmail-send's log):\n" +
		"  2026-05-01 11:00:00.000000000 remote r@y.example: deferral\n    Connection refused.\\x1b[2J\n" +
		"  2026-05-01 11:01:00.000000000 remote r2@y.example: lost (qmail-send stopped before it logged a result)\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("attempts: want\n%s\nin\n%s", want, b.String())
	}
}

func TestShowJSON(t *testing.T) {
	d, now := hostileMessage(t)
	raw, err := json.Marshal(msgview.NewShowJSON(d, now, true))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	// JSON keeps the exact bytes.
	if got := v["headers"].(map[string]any)["subject"]; got != "Win \x1b]0;owned\x07 now" {
		t.Errorf("subject %q", got)
	}
	if got := v["body"]; !strings.HasPrefix(got.(string), "line one\n\tclick \x1b[2J here\n") {
		t.Errorf("body %q", got)
	}
	if got := v["bounce_report"].([]any)[0].(map[string]any)["recipient"]; got != "x@local.example" {
		t.Errorf("bounce recipient %v", got)
	}
	if v["age_seconds"] != float64(7200) || v["next_retry_estimated"] != true || v["sender"] != "s\x07@x.example" {
		t.Errorf("age %v, estimated %v, sender %q", v["age_seconds"], v["next_retry_estimated"], v["sender"])
	}
	if _, ok := v["last_attempts"]; ok {
		t.Error("last_attempts present without a log")
	}
}

func TestFlagsAndRecipientSummary(t *testing.T) {
	d, _ := hostileMessage(t)
	if got := msgview.Flags(d.Msg); got != "RB" {
		t.Errorf("flags %q, want RB", got)
	}
	if got := msgview.RecipientSummary(d.Msg); got != "r@y.example" {
		t.Errorf("recipient summary %q", got)
	}
	if got := msgview.Flags(&qmailqueue.Message{State: qmailqueue.StateBroken}); got != "X" {
		t.Errorf("broken flags %q", got)
	}
}
