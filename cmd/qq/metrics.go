package main

import (
	"context"
	"fmt"
	"net"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/metrics"
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
		Use:         "metrics [--output FILE | --listen ADDR]",
		GroupID:     groupQueue,
		Short:       "queue metrics in the Prometheus text format, to a file or over HTTP",
		Long:        longHelp("metrics"),
		Annotations: cmdutil.Formats("prometheus", "prometheus"),
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
		return cmdutil.UsageErrorf("qq metrics takes no arguments, got %q", opts.args)
	}
	if opts.output != "" && opts.listen != "" {
		return cmdutil.UsageErrorf("--output and --listen exclude each other")
	}
	if opts.senderMin < 1 || opts.senderMax < 0 {
		return cmdutil.UsageErrorf("--sender-threshold must be 1 or more and --max-senders not negative")
	}
	key, err := report.ParseSenderKey(opts.senderKey)
	if err != nil {
		return cmdutil.UsageErrorf("--sender-key %v", err)
	}
	if opts.noSenders || opts.senderMax == 0 {
		key = 0
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	m := &metrics.Source{Queue: q, Senders: key, SenderMin: opts.senderMin, SenderMax: opts.senderMax, Workers: opts.workers,
		Now: a.now, Send: opts.service.metricsSend(a), Warn: func(s string) { a.warnf("%s", s) }}
	switch {
	case opts.listen != "":
		return serveMetrics(ctx, a, m, opts.listen)
	case opts.output != "":
		return m.WriteFile(ctx, opts.output)
	}
	return m.Write(ctx, a.stdout)
}

// serveMetrics serves m over HTTP on addr until ctx ends (metrics.Source.Serve).
func serveMetrics(ctx context.Context, a *app, m *metrics.Source, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "qq: serving metrics on http://%s/metrics\n", ln.Addr())
	}
	if err := m.Serve(ctx, ln); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	return nil
}
