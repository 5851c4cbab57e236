package ui

import (
	"io"
	"os"
	"time"

	"github.com/jedib0t/go-pretty/v6/progress"
	"golang.org/x/term"
)

// ProgressBar is the progress bar of a long change on a terminal
// (go-pretty's progress writer, set up once for every qq command). The
// command decides whether to show one; a nil *ProgressBar does nothing.
type ProgressBar struct {
	pw      progress.Writer
	tracker *progress.Tracker
	done    chan struct{}
}

// StartProgressBar draws a bar labelled what for total steps on w, a
// terminal, and keeps it up to date until Stop.
func StartProgressBar(w io.Writer, what string, total int) *ProgressBar {
	pw := progress.NewWriter()
	pw.SetOutputWriter(w)
	// go-pretty watches the terminal size only when it writes to stdout.
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			pw.SetTerminalWidth(width)
		}
	}
	pw.SetUpdateFrequency(100 * time.Millisecond)
	pw.SetAutoStop(false)
	pw.SetTrackerLength(30)
	pw.Style().Visibility.ETA = true
	pw.Style().Visibility.Value = true
	t := &progress.Tracker{Message: what, Total: int64(total), Units: progress.UnitsDefault}
	pw.AppendTracker(t)
	b := &ProgressBar{pw: pw, tracker: t, done: make(chan struct{})}
	go func() { pw.Render(); close(b.done) }()
	return b
}

// Increment counts one step done.
func (b *ProgressBar) Increment() {
	if b != nil {
		b.tracker.Increment(1)
	}
}

// Stop draws the bar a last time and waits until it has. An interrupted
// change leaves the bar where it stopped, never "done!".
func (b *ProgressBar) Stop() {
	if b == nil {
		return
	}
	if b.tracker.Value() >= b.tracker.Total {
		b.tracker.MarkAsDone()
	}
	// Let the renderer draw the final state before stopping it.
	time.Sleep(150 * time.Millisecond)
	b.pw.Stop()
	<-b.done
}
