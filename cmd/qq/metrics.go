package main

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
	"github.com/qqmail/qq/metrics"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/spf13/cobra"
)

type metricsOptions struct {
	service   sendStateFlags
	output    string
	listen    string
	senderKey string
	senderMin int
	senderMax int
	noSenders bool
	workers   int
	args      []string
}

func newMetricsCmd(a *app) *cobra.Command {
	opts := &metricsOptions{}
	cmd := &cobra.Command{
		Use:     "metrics [--output FILE | --listen ADDR]",
		GroupID: groupQueue,
		Short:   "queue metrics in the Prometheus text format, to a file or over HTTP",
		Long:    longHelp("metrics"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runMetrics(cmd.Context(), a, opts)
		},
	}
	f := cmd.Flags()
	opts.service.addFlags(f)
	f.StringVarP(&opts.output, "output", "o", "", "write to `FILE`, replaced atomically, instead of stdout")
	f.StringVar(&opts.listen, "listen", "", "serve /metrics over HTTP on `ADDR` (host:port) until interrupted")
	f.StringVar(&opts.senderKey, "sender-key", "sender", "per-sender series by `KEY`: sender or sender-domain")
	f.IntVar(&opts.senderMin, "sender-threshold", 100, "export senders with at least `N` messages")
	f.IntVar(&opts.senderMax, "max-senders", 10, "export at most `N` senders")
	f.BoolVar(&opts.noSenders, "no-senders", false, "no per-sender series (reads no envelope)")
	f.IntVar(&opts.workers, "workers", 0, "read files with `N` goroutines (default: the number of CPUs)")
	return cmd
}

func runMetrics(ctx context.Context, a *app, opts *metricsOptions) error {
	if len(opts.args) > 0 {
		return usageErrorf("qq metrics takes no arguments, got %q", opts.args)
	}
	if _, err := a.formatFor("prometheus", "prometheus"); err != nil {
		return err
	}
	if opts.output != "" && opts.listen != "" {
		return usageErrorf("--output and --listen exclude each other")
	}
	if opts.senderMin < 1 || opts.senderMax < 0 {
		return usageErrorf("--sender-threshold must be 1 or more and --max-senders not negative")
	}
	key, err := report.ParseKey(opts.senderKey)
	if err != nil || (key != report.KeySender && key != report.KeySenderDomain) {
		return usageErrorf("--sender-key %q: choose sender or sender-domain", opts.senderKey)
	}
	if opts.noSenders || opts.senderMax == 0 {
		key = 0
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	m := &metricsSource{a: a, q: q, opts: opts, senders: key}
	switch {
	case opts.listen != "":
		return m.serve(ctx, opts.listen)
	case opts.output != "":
		var buf bytes.Buffer
		if err := m.write(ctx, &buf); err != nil {
			return err
		}
		// The textfile collector may read at any moment: the file is
		// replaced whole, never seen half written.
		if err := renameio.WriteFile(opts.output, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
		return nil
	}
	return m.write(ctx, a.stdout)
}

// metricsSource reads the queue and writes its metrics, once per call.
type metricsSource struct {
	a       *app
	q       *qmailqueue.Queue
	opts    *metricsOptions
	senders report.Key // 0: no per-sender series
	mu      sync.Mutex // one scan at a time
}

// write takes a snapshot and writes the exposition to w.
func (m *metricsSource) write(ctx context.Context, w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.a.now()
	snap, err := report.TakeSnapshot(ctx, m.q, report.SnapshotOptions{Now: now, Senders: m.senders, Workers: m.opts.workers})
	if err != nil {
		return err
	}
	send := m.opts.service.read(m.a)
	opts := metrics.Options{Lifetime: m.q.Lifetime, Senders: m.senders, SenderMin: m.opts.senderMin, SenderMax: m.opts.senderMax}
	if send.Checked && send.Err == nil {
		opts.Send = &metrics.Send{Supervised: send.Supervised, Up: send.Up(), Paused: send.Status.Paused, Since: send.Status.Since}
	} else if send.Checked {
		m.a.warnf("qmail-send: %v", send.Err)
	}
	if err := metrics.Write(w, snap, opts); err != nil {
		return err
	}
	if snap.Vanished > 0 {
		m.a.warnf("%d messages left the queue while it was read", snap.Vanished)
	}
	return nil
}

// serve answers GET /metrics on addr until ctx ends, then shuts the server
// down and returns nil.
func (m *metricsSource) serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := m.write(r.Context(), &buf); err != nil {
			m.a.warnf("scrape: %v", err)
			http.Error(w, "qq: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", metrics.ContentType)
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "qq metrics: see /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if !m.a.quiet {
		fmt.Fprintf(m.a.stderr, "qq: serving metrics on http://%s/metrics\n", ln.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("--listen: %w", err)
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
