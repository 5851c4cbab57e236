package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// watchFlags are --watch and --interval of qq stat and qq top: run the
// command again and again, like watch(1).
type watchFlags struct {
	on       bool
	interval time.Duration
	// count stops after that many refreshes (hidden; for tests). 0: until
	// interrupted.
	count int
	// messages is set by each run of the command: the messages it counted,
	// for the header's change since the last refresh.
	messages int
}

func (w *watchFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&w.on, "watch", false, "refresh every --interval until interrupted (in place on a terminal, like watch)")
	durationFlag(fs, &w.interval, "interval", 2*time.Second, "with --watch, refresh every `AGE`")
	fs.IntVar(&w.count, "count", 0, "with --watch, stop after `N` refreshes")
	fs.MarkHidden("count")
}

// Terminal control sequences of the watch screen: the alternate screen (so
// that the terminal is left as it was), cursor home, clear to end of line
// and of screen, hide and show the cursor.
const (
	ansiAltScreenOn  = "\x1b[?1049h\x1b[?25l"
	ansiAltScreenOff = "\x1b[?25h\x1b[?1049l"
	ansiHome         = "\x1b[H"
	ansiClearLine    = "\x1b[K"
	ansiClearBelow   = "\x1b[J"
)

// run runs once, the command, every interval: one run at a time, the next
// starting an interval after the last ended. On a terminal each output
// replaces the last on the alternate screen; otherwise the outputs follow
// each other, each after a header line. ^C ends it with exit status 130,
// as qq log -f, the terminal restored.
func (w *watchFlags) run(ctx context.Context, a *app, title string, once func(a *app) error) error {
	if w.interval <= 0 {
		return usageErrorf("--interval must be positive")
	}
	if w.count < 0 {
		return usageErrorf("--count must not be negative")
	}
	tty := a.stdoutTTY
	if tty {
		fmt.Fprint(a.stdout, ansiAltScreenOn)
		defer fmt.Fprint(a.stdout, ansiAltScreenOff)
	}
	var (
		prev   int
		prevAt time.Time
	)
	for i := 0; w.count == 0 || i < w.count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return interrupted(ctx.Err())
			case <-time.After(w.interval):
			}
		}
		var buf bytes.Buffer
		run := *a
		run.stdout = &buf
		w.messages = 0
		err := once(&run)
		if err != nil && !errors.Is(err, errNothingMatched) {
			return interrupted(err)
		}
		now := a.now()
		header := watchHeader(title, w.interval, now, w.messages, prev, now.Sub(prevAt), i > 0)
		prev, prevAt = w.messages, now
		if !tty {
			fmt.Fprintf(a.stdout, "%s\n%s\n", header, buf.Bytes())
			continue
		}
		var screen strings.Builder
		screen.WriteString(ansiHome)
		for _, line := range strings.SplitAfter(header+"\n\n"+buf.String(), "\n") {
			screen.WriteString(strings.TrimSuffix(line, "\n"))
			if strings.HasSuffix(line, "\n") {
				screen.WriteString(ansiClearLine + "\n")
			}
		}
		screen.WriteString(ansiClearBelow)
		fmt.Fprint(a.stdout, screen.String())
	}
	return nil
}

// watchHeader is the line above each refresh: what runs, how often, the
// time, and the messages with their change since the last refresh (and
// its rate, when the clock moved).
func watchHeader(title string, interval time.Duration, now time.Time, messages, prev int, elapsed time.Duration, again bool) string {
	h := fmt.Sprintf("Every %s: %s    %s    messages %s", interval, title, now.UTC().Format("2006-01-02 15:04:05 MST"), digitGroups(int64(messages)))
	if again {
		delta := messages - prev
		if elapsed > 0 {
			h += fmt.Sprintf(" (%+d, %+.0f/min)", delta, float64(delta)/elapsed.Minutes())
		} else {
			h += fmt.Sprintf(" (%+d)", delta)
		}
	}
	return h
}

// digitGroups writes n with a comma every three digits: 44,102.
func digitGroups(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
