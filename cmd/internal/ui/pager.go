package ui

import (
	"cmp"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// DefaultPager is used when neither $QQ_PAGER nor $PAGER is set.
const DefaultPager = "less -FRX"

// Pager is a running pager process whose standard input receives the
// command's output.
type Pager struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	quit bool // a write failed because the pager had exited
}

// ErrPagerQuit is the cause to cancel a command with when its pager has
// quit: there is nobody left to read its output.
var ErrPagerQuit = errors.New("the pager quit")

// StartPager starts the configured pager on the terminal out: $QQ_PAGER,
// else $PAGER, else less -FRX (which exits at once when the output fits
// on one screen), with LESS=FRX unless $LESS is set, as git does. It
// returns nil when there is to be no pager: "cat", no less installed for
// the default, or a pager that cannot be started (the output then goes to
// the terminal as it would have), and when out is not an *os.File
// attached to a terminal.
func StartPager(out io.Writer, stderr io.Writer, getenv func(string) string) *Pager {
	command := strings.TrimSpace(cmp.Or(getenv("QQ_PAGER"), getenv("PAGER"), DefaultPager))
	if command == "cat" || !IsTerminal(out) {
		return nil
	}
	if command == DefaultPager {
		if _, err := exec.LookPath("less"); err != nil {
			return nil // the output must not vanish into a pager that is not there
		}
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.Env = os.Environ()
	if getenv("LESS") == "" {
		cmd.Env = append(cmd.Env, "LESS=FRX") // quit if one screen, keep colours, leave the screen
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil
	}
	if err := cmd.Start(); err != nil {
		return nil
	}
	return &Pager{cmd: cmd, in: in}
}

// Writer returns the writer to the pager. When the pager has gone a write
// fails with EPIPE and onQuit is called, so that the command stops reading
// the queue for nobody.
func (p *Pager) Writer(onQuit func()) io.Writer {
	return &pagerWriter{p: p, onQuit: onQuit}
}

// Quit reports whether the person quit the pager before the output ended.
func (p *Pager) Quit() bool { return p.quit }

// Close ends the pager's input and waits until the person has quit it.
func (p *Pager) Close() {
	p.in.Close()
	p.cmd.Wait()
}

type pagerWriter struct {
	p      *Pager
	onQuit func()
}

func (w *pagerWriter) Write(b []byte) (int, error) {
	n, err := w.p.in.Write(b)
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)) {
		w.p.quit = true
		if w.onQuit != nil {
			w.onQuit()
		}
	}
	return n, err
}
