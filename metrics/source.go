package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/renameio/v2"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
)

// Source measures a queue on demand: every [Source.Write] takes a fresh
// snapshot of it, reads qmail-send's state and writes the exposition
// ([Write]). It scans once at a time, however many scrapes come at once.
type Source struct {
	Queue *qmailqueue.Queue
	// Senders, SenderMin and SenderMax choose the per-sender series as in
	// [Options]; Senders zero reads no envelope.
	Senders              report.Key
	SenderMin, SenderMax int
	// Workers is the number of goroutines reading files (0: GOMAXPROCS).
	Workers int
	// Now is the clock ages are measured by.
	Now func() time.Time
	// Send reads qmail-send's state from its supervisor; nil (or a nil
	// Send) exports no qmail_send_* gauges, and an error is a warning.
	Send func() (*Send, error)
	// Warn, if set, is told what went wrong without failing the write: a
	// state that could not be read, messages that left the queue during
	// the scan, a scrape that failed.
	Warn func(string)

	mu sync.Mutex
}

func (s *Source) warnf(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(fmt.Sprintf(format, args...))
	}
}

// Write takes a snapshot and writes the exposition to w.
func (s *Source) Write(ctx context.Context, w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, err := report.TakeSnapshot(ctx, s.Queue, report.SnapshotOptions{Now: s.Now(), Senders: s.Senders, Workers: s.Workers})
	if err != nil {
		return err
	}
	opts := Options{Lifetime: s.Queue.Lifetime, Senders: s.Senders, SenderMin: s.SenderMin, SenderMax: s.SenderMax}
	if s.Send != nil {
		if opts.Send, err = s.Send(); err != nil {
			s.warnf("qmail-send: %v", err)
		}
	}
	if err := Write(w, snap, opts); err != nil {
		return err
	}
	if snap.Vanished > 0 {
		s.warnf("%d messages left the queue while it was read", snap.Vanished)
	}
	return nil
}

// WriteFile writes the exposition to the file path, replaced whole
// (renamed into place), so that node_exporter's textfile collector, which
// may read at any moment, never sees it half written.
func (s *Source) WriteFile(ctx context.Context, path string) error {
	var buf bytes.Buffer
	if err := s.Write(ctx, &buf); err != nil {
		return err
	}
	if err := renameio.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// Handler serves the exposition at GET /metrics, measured afresh for each
// request (a failed scrape is a 500 with the error), and a line pointing
// there at GET /.
func (s *Source) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := s.Write(r.Context(), &buf); err != nil {
			s.warnf("scrape: %v", err)
			http.Error(w, "qq: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "qq metrics: see /metrics")
	})
	return mux
}

// Serve serves [Source.Handler] over HTTP on ln until ctx ends, then
// shuts the server down, giving scrapes in flight up to 5 seconds, and
// returns nil. If the server stops by itself, Serve returns its error.
func (s *Source) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	<-done
	return nil
}
