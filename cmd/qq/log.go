package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/tai64n"
)

type logOptions struct {
	source   string
	since    string
	until    string
	follow   bool
	interval time.Duration
	lines    int
	sel      sendlog.SelectionArgs
	utc      bool
}

func newLogCmd(a *app) *cobra.Command {
	opts := &logOptions{}
	cmd := &cobra.Command{
		Use:         "log [flags] [DIR|FILE|-]",
		Short:       "read qmail-send's log with readable times, filter it, follow it",
		Long:        longHelp("log"),
		Annotations: cmdutil.Formats(cmdutil.FormatPlain, plainFormats...),
		GroupID:     groupService,
		Args:        cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.source = args[0]
			}
			return withCmdPath(cmd, runLog(cmd.Context(), a, opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.since, "since", "", "print lines logged at or after `TIME`")
	f.StringVar(&opts.until, "until", "", "print lines logged at or before `TIME`")
	f.BoolVarP(&opts.follow, "follow", "f", false, "keep printing new lines as they are logged")
	cmdutil.DurationFlag(f, &opts.interval, "interval", time.Second, "how often -f checks for new lines")
	f.IntVarP(&opts.lines, "lines", "n", 10, "with -f and no --since: print the last `N` lines of current first")
	f.StringSliceVar(&opts.sel.IDs, "id", nil, "lines of message `ID`")
	f.StringSliceVar(&opts.sel.QPs, "qp", nil, "lines of the message queued by qmail-queue `PID`")
	f.StringSliceVar(&opts.sel.Senders, "sender", nil, "lines of messages from `ADDR`")
	f.StringSliceVar(&opts.sel.Recipients, "rcpt", nil, "delivery lines to `ADDR`")
	cmdutil.HiddenAlias(f, "recipient", "rcpt")
	f.StringSliceVar(&opts.sel.Outcomes, "outcome", nil, "delivery lines with outcome `LIST` (success,deferral,failure,bounce)")
	f.BoolVar(&opts.utc, "utc", false, "print times in UTC")
	cmd.AddCommand(newLogTraceCmd(a), newLogSummaryCmd(a))
	return cmd
}

func runLog(ctx context.Context, a *app, opts *logOptions) error {
	format := a.output
	loc := a.location(opts.utc)
	rng, err := sendlog.ParseRange(opts.since, opts.until, a.now(), loc)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	filter, err := sendlog.ParseSelection(opts.sel)
	if err != nil {
		return cmdutil.UsageErrorf("--%v", err) // an *sendlog.ArgError naming the flag
	}
	if opts.interval <= 0 {
		return cmdutil.UsageErrorf("--interval must be positive")
	}
	log, err := a.openLog(ctx, opts.source)
	if err != nil {
		return err
	}
	if !opts.follow {
		a.page()
	}
	w := bufio.NewWriterSize(a.stdout, 64<<10)
	out := &logPrinter{w: w, stamp: tai64n.LocalFormatter(loc), json: format == cmdutil.FormatJSON, esc: a.esc()}
	selected, err := sendlog.Select(ctx, log, sendlog.SelectOptions{
		Selection: filter, Range: rng, Parser: &sendlog.Parser{Location: loc},
		Follow: opts.follow, Interval: opts.interval, Last: opts.lines, Emit: out.print,
		CaughtUp: func() error {
			// From now on, print and flush each new line.
			out.live = true
			return w.Flush()
		},
		Truncated: func(line sendlog.Line) {
			a.warnf("%s: a line longer than %d bytes was cut short", cmp.Or(line.Path, log.Name()), sendlog.MaxLineLength)
		},
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return interrupted(err)
	}
	if !filter.IsZero() && selected == 0 {
		return cmdutil.ErrNothingMatched
	}
	return nil
}

// withCmdPath points the hint of a usage error at cmd's help.
func withCmdPath(cmd *cobra.Command, err error) error {
	var ue *cmdutil.UsageError
	if errors.As(err, &ue) {
		ue.CmdPath = cmd.CommandPath()
	}
	return err
}

// openLog opens the log named on the command line: "-" is standard input,
// a directory a multilog directory, anything else a file; no name means
// $QQ_LOG_DIR or /var/log/qmail.
func (a *app) openLog(ctx context.Context, name string) (*sendlog.Log, error) {
	var stdin io.Reader
	switch name {
	case "-":
		// Wrapped only when read: the wrapper may start reading at once.
		stdin = interruptible(ctx, a.stdin)
	case "":
		name = a.getenv("QQ_LOG_DIR")
	}
	log, err := sendlog.OpenSource(name, stdin)
	if err != nil {
		return nil, fmt.Errorf("%w (name the log directory or file, or set QQ_LOG_DIR)", err)
	}
	return log, nil
}

// logPrinter writes the lines qq log selected.
type logPrinter struct {
	w     *bufio.Writer
	stamp tai64n.Formatter // readable times, as tai64nlocal prints them
	json  bool
	live  bool // following new lines: flush each one
	esc   escaper
	line  []byte // the line with a readable time
	buf   []byte // the line as printed
}

// print writes one selected line: with its time made readable, or as a
// JSON object.
func (p *logPrinter) print(e *sendlog.Event, raw []byte, d *sendlog.Delivery) error {
	var err error
	if p.json {
		err = writeJSON(p.w, sendlog.NewLineView(e, d))
	} else {
		p.line = sendlog.AppendReadable(p.line[:0], e, raw, p.stamp)
		p.buf = append(appendLine(p.esc, p.buf[:0], p.line), '\n')
		_, err = p.w.Write(p.buf)
	}
	if err == nil && p.live {
		err = p.w.Flush()
	}
	return err
}
