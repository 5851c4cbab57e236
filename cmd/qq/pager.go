package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// This file sends big output on a terminal through a pager, as git does,
// and shows a count on stderr while a sorted listing reads the queue.

// defaultPager is used when neither $QQ_PAGER nor $PAGER is set.
const defaultPager = "less -FRX"

// errPagerQuit cancels a command whose pager has quit: there is nobody
// left to read its output, and qq ends quietly with exit 0.
var errPagerQuit = errors.New("the pager quit")

// pager is a running pager process; qq's standard output goes to its
// standard input.
type pager struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	quit bool // a write failed because the pager had exited
}

// page sends the rest of the command's standard output through a pager
// when standard output is a terminal, --no-pager is not given, and a pager
// is configured: $QQ_PAGER, else $PAGER, else less -FRX (which exits at
// once when the output fits on one screen). "cat" means no pager. A pager that cannot be started is no pager: the output goes
// to the terminal as it would have.
func (a *app) page() {
	if a.pager != nil || a.noPager || !a.stdoutTTY {
		return
	}
	// A real terminal only: QQ_FORCE_TTY (tests) does not start a pager.
	out, ok := a.stdout.(*os.File)
	if !ok || !isTerminal(out) {
		return
	}
	command := strings.TrimSpace(cmp.Or(a.getenv("QQ_PAGER"), a.getenv("PAGER"), defaultPager))
	if command == "cat" {
		return
	}
	if command == defaultPager {
		if _, err := exec.LookPath("less"); err != nil {
			return // no less installed: the output must not vanish into a pager that is not there
		}
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout, cmd.Stderr = out, a.stderr
	cmd.Env = os.Environ()
	if a.getenv("LESS") == "" {
		cmd.Env = append(cmd.Env, "LESS=FRX") // as git: quit if one screen, keep colours, leave the screen
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return
	}
	if err := cmd.Start(); err != nil {
		return
	}
	a.pager = &pager{cmd: cmd, in: in}
	a.stdout = &pagerWriter{a: a, p: a.pager}
}

// closePager ends the pager's input and waits until the person has quit it.
func (a *app) closePager() {
	if a.pager == nil {
		return
	}
	a.pager.in.Close()
	a.pager.cmd.Wait()
}

// pagerWriter writes to the pager. When the pager has gone, the write
// fails with EPIPE; the command is then cancelled so that it stops reading
// the queue for nobody.
type pagerWriter struct {
	a *app
	p *pager
}

func (w *pagerWriter) Write(b []byte) (int, error) {
	n, err := w.p.in.Write(b)
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)) {
		w.p.quit = true
		if w.a.cancel != nil {
			w.a.cancel(errPagerQuit)
		}
	}
	return n, err
}

// readCounter shows on stderr how many messages a scan has read so far,
// for listings that can print nothing until the scan ends (a sort). It
// shows only on a terminal, without --quiet, once the scan takes longer
// than a moment.
type readCounter struct {
	a     *app
	what  string
	mu    sync.Mutex
	n     int
	shown bool
	stop  chan struct{}
	done  chan struct{}
}

// countReads starts a counter; call add for each message and end before
// the output starts.
func (a *app) countReads(what string) *readCounter {
	c := &readCounter{a: a, what: what}
	if !a.stderrTTY || a.quiet {
		return c
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(c.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
				c.mu.Lock()
				fmt.Fprintf(c.a.stderr, "\r%s: %d messages read…", c.what, c.n)
				c.shown = true
				c.mu.Unlock()
			}
		}
	}()
	return c
}

func (c *readCounter) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

// end stops the counter and clears its line.
func (c *readCounter) end() {
	if c.stop == nil {
		return
	}
	close(c.stop)
	<-c.done
	if c.shown {
		fmt.Fprint(c.a.stderr, "\r\x1b[K")
	}
}
