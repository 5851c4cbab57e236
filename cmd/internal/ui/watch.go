package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Terminal control sequences of the watch screen: the alternate screen (so
// that the terminal is left as it was), cursor home, clear to end of line
// and of screen, hide and show the cursor.
const (
	AltScreenOn  = "\x1b[?1049h\x1b[?25l"
	AltScreenOff = "\x1b[?25h\x1b[?1049l"
	home         = "\x1b[H"
	clearLine    = "\x1b[K"
	clearBelow   = "\x1b[J"
)

// Watch runs a command again and again, like watch(1).
type Watch struct {
	Title    string        // the command, for the header ("qq stat")
	Interval time.Duration // from the end of one run to the start of the next
	Count    int           // stop after that many runs; 0: until ctx ends
	Out      io.Writer     // where each run's output goes
	TTY      bool          // Out is a terminal: refresh in place
	Now      func() time.Time
}

// Run runs once at once and then every Interval, one run at a time. once
// writes its output to w and returns the messages it counted, for the
// header's change since the last refresh. On a terminal each output
// replaces the last on the alternate screen, left when Run returns;
// otherwise the outputs follow each other, each after a header line. Run
// returns ctx's error when ctx ends between runs, and the first error of
// once.
func (wa *Watch) Run(ctx context.Context, once func(w io.Writer) (messages int, err error)) error {
	if wa.TTY {
		fmt.Fprint(wa.Out, AltScreenOn)
		defer fmt.Fprint(wa.Out, AltScreenOff)
	}
	var (
		prev   int
		prevAt time.Time
	)
	for i := 0; wa.Count == 0 || i < wa.Count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wa.Interval):
			}
		}
		var buf bytes.Buffer
		messages, err := once(&buf)
		if err != nil {
			return err
		}
		now := wa.Now()
		header := Header(wa.Title, wa.Interval, now, messages, prev, now.Sub(prevAt), i > 0)
		prev, prevAt = messages, now
		if !wa.TTY {
			fmt.Fprintf(wa.Out, "%s\n%s\n", header, buf.Bytes())
			continue
		}
		var screen strings.Builder
		screen.WriteString(home)
		for _, line := range strings.SplitAfter(header+"\n\n"+buf.String(), "\n") {
			screen.WriteString(strings.TrimSuffix(line, "\n"))
			if strings.HasSuffix(line, "\n") {
				screen.WriteString(clearLine + "\n")
			}
		}
		screen.WriteString(clearBelow)
		fmt.Fprint(wa.Out, screen.String())
	}
	return nil
}

// Header is the line above each refresh: what runs, how often, the time,
// and the messages with their change since the last refresh (and its
// rate, when the clock moved).
func Header(title string, interval time.Duration, now time.Time, messages, prev int, elapsed time.Duration, again bool) string {
	h := fmt.Sprintf("Every %s: %s    %s    messages %s", interval, title, now.UTC().Format("2006-01-02 15:04:05 MST"), DigitGroups(int64(messages)))
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

// DigitGroups writes n with a comma every three digits: 44,102.
func DigitGroups(n int64) string {
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
