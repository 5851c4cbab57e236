package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
)

// TestWatchHeaderChange checks the header's change and rate between
// refreshes, with a queue that grows and a clock that moves.
func TestWatchHeaderChange(t *testing.T) {
	var out bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &out, func(string) string { return "" })
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a.now = func() time.Time { return clock }
	w := &watchFlags{interval: time.Millisecond, count: 3}
	counts := []int{44102, 44414, 44000}
	runs := 0
	err := w.run(context.Background(), a, "qq stat", func(a *app) error {
		w.messages = counts[runs]
		runs++
		clock = clock.Add(30 * time.Second)
		a.stdout.Write([]byte("body\n"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "Every 1ms: qq stat    2026-01-02 03:04:35 UTC    messages 44,102\nbody\n\n" +
		"Every 1ms: qq stat    2026-01-02 03:05:05 UTC    messages 44,414 (+312, +624/min)\nbody\n\n" +
		"Every 1ms: qq stat    2026-01-02 03:05:35 UTC    messages 44,000 (-414, -828/min)\nbody\n\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestWatchInterrupt checks that ^C between refreshes ends the watch with
// exit status 130 and restores the terminal.
func TestWatchInterrupt(t *testing.T) {
	var out bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &out, func(k string) string {
		if k == "QQ_FORCE_TTY" {
			return "1"
		}
		return ""
	})
	ctx, cancel := context.WithCancel(context.Background())
	w := &watchFlags{interval: time.Hour}
	err := w.run(ctx, a, "qq stat", func(a *app) error { cancel(); return nil })
	if cmdutil.ExitStatus(err) != cmdutil.ExitInterrupted {
		t.Errorf("exit %d (%v), want %d", cmdutil.ExitStatus(err), err, cmdutil.ExitInterrupted)
	}
	if !strings.HasSuffix(out.String(), ui.AltScreenOff) {
		t.Errorf("terminal not restored: %q", out.String())
	}
}
