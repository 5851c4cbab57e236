package ui

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Counter shows on a terminal's stderr how many messages a scan has read
// so far, for listings that can print nothing until the scan ends (a
// sort). It first shows after 200 ms, so quick scans print nothing.
type Counter struct {
	w     io.Writer
	what  string
	mu    sync.Mutex
	n     int
	shown bool
	stop  chan struct{}
	done  chan struct{}
}

// StartCounter starts a counter writing "what: N messages read…" to w
// when show is true (stderr is a terminal and --quiet is off); otherwise
// it only counts. Call Add for each message and End before the output
// starts.
func StartCounter(w io.Writer, what string, show bool) *Counter {
	c := &Counter{w: w, what: what}
	if !show {
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
				fmt.Fprintf(c.w, "\r%s: %d messages read…", c.what, c.n)
				c.shown = true
				c.mu.Unlock()
			}
		}
	}()
	return c
}

// Add counts one message.
func (c *Counter) Add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

// End stops the counter and clears its line.
func (c *Counter) End() {
	if c.stop == nil {
		return
	}
	close(c.stop)
	<-c.done
	if c.shown {
		fmt.Fprint(c.w, "\r\x1b[K")
	}
}
