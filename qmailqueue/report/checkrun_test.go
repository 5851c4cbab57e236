package report

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/nagios"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

func TestCheckRun(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	for _, from := range []string{"a@x.example", "a@x.example", "b@y.example"} {
		msg := queuetest.Message{Sender: from, Recipients: []queuetest.Recipient{{Addr: "r@example.net", Remote: true}}}
		if _, err := b.Add(msg); err != nil {
			t.Fatal(err)
		}
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	age := func(d time.Duration) string { return "AGE" }
	c := Check{Senders: KeySender, Now: now, Format: CheckFormat{Age: age, AgeLimit: age, Name: func(n string) string { return n }}}
	perf := func(st CheckStatus) string {
		var out []string
		for _, p := range st.Perf {
			out = append(out, p.String())
		}
		return strings.Join(out, " ")
	}
	up := SendState{Checked: true, Supervised: true, Up: true, Text: "up AGE"}
	st, err := c.Run(context.Background(), q, up)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != nagios.OK || strings.Join(st.Texts, ", ") != "3 messages, 0 not preprocessed, oldest AGE, 0 bouncing, qmail-send up AGE" ||
		!strings.HasSuffix(perf(st), " qmail_send_up=1;;;0;1") {
		t.Errorf("OK check = %+v, perf %q", st, perf(st))
	}

	c.Limits = CheckLimits{Messages: limit(2, 5), Sender: limit(1, 5)}
	down := SendState{Checked: true, Supervised: true, Text: "down AGE"}
	st, err = c.Run(context.Background(), q, down)
	if err != nil {
		t.Fatal(err)
	}
	want := "qmail-send down AGE, 3 messages (warning above 2), a@x.example has 2 messages (warning above 1)"
	if st.State != nagios.Critical || strings.Join(st.Texts, ", ") != want || !strings.Contains(perf(st), "top_sender=2;1;5;0") ||
		!strings.HasSuffix(perf(st), " qmail_send_up=0;;;0;1") {
		t.Errorf("check with qmail-send down = %+v (%q), want CRITICAL %q", st, perf(st), want)
	}

	c.Limits = CheckLimits{}
	st, _ = c.Run(context.Background(), q, SendState{Checked: true, Err: errors.New("two\nlines")})
	if st.State != nagios.Unknown || st.Texts[0] != "qmail-send state unknown: two lines" || strings.Contains(perf(st), "qmail_send_up") {
		t.Errorf("check with an unreadable state = %+v", st)
	}
	st, _ = c.Run(context.Background(), q, SendState{Checked: true, Supervised: true, Up: true, Paused: true, Text: "up AGE, paused"})
	if st.State != nagios.Warning {
		t.Errorf("check with qmail-send paused = %+v, want WARNING", st)
	}
	st, _ = c.Run(context.Background(), q, SendState{})
	if st.State != nagios.OK || len(st.Texts) != 1 || strings.Contains(perf(st), "qmail_send_up") {
		t.Errorf("check without qmail-send = %+v", st)
	}
}
