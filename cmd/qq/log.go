package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/tai64n"
)

type logOptions struct {
	source     string
	since      string
	until      string
	follow     bool
	interval   time.Duration
	lines      int
	ids        []string
	qps        []string
	senders    []string
	recipients []string
	outcomes   []string
	utc        bool
}

func newLogCmd(a *app) *cobra.Command {
	opts := &logOptions{}
	cmd := &cobra.Command{
		Use:     "log [flags] [DIR|FILE|-]",
		Short:   "read qmail-send's log with readable times, filter it, follow it",
		Long:    longHelp("log"),
		GroupID: groupService,
		Args:    cobra.MaximumNArgs(1),
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
	durationFlag(f, &opts.interval, "interval", time.Second, "how often -f checks for new lines")
	f.IntVarP(&opts.lines, "lines", "n", 10, "with -f and no --since: print the last `N` lines of current first")
	f.StringSliceVar(&opts.ids, "id", nil, "lines of message `ID`")
	f.StringSliceVar(&opts.qps, "qp", nil, "lines of the message queued by qmail-queue `PID`")
	f.StringSliceVar(&opts.senders, "sender", nil, "lines of messages from `ADDR`")
	f.StringSliceVar(&opts.recipients, "rcpt", nil, "delivery lines to `ADDR`")
	hiddenAlias(f, "recipient", "rcpt")
	f.StringSliceVar(&opts.outcomes, "outcome", nil, "delivery lines with outcome `LIST` (success,deferral,failure,bounce)")
	f.BoolVar(&opts.utc, "utc", false, "print times in UTC")
	cmd.AddCommand(newLogTraceCmd(a), newLogSummaryCmd(a))
	return cmd
}

func runLog(ctx context.Context, a *app, opts *logOptions) error {
	format, err := a.formatFor(formatPlain, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	loc := a.location(opts.utc)
	since, until, err := a.timeRange(opts.since, opts.until, loc)
	if err != nil {
		return err
	}
	filter, err := newLogFilter(opts)
	if err != nil {
		return err
	}
	if opts.interval <= 0 {
		return usageErrorf("--interval must be positive")
	}
	log, err := a.openLog(ctx, opts.source)
	if err != nil {
		return err
	}
	if !opts.follow {
		a.page()
	}
	w := bufio.NewWriterSize(a.stdout, 64<<10)
	out := &logPrinter{w: w, stamp: tai64n.LocalFormatter(loc), json: format == formatJSON, esc: a.esc()}
	sel := sendlog.NewSelector(filter, sendlog.Range{Since: since, Until: until}, out.print)

	readOpt := sendlog.ReadOptions{Since: since, Until: until}
	var lines iter.Seq2[sendlog.Line, error]
	if opts.follow {
		if since.IsZero() {
			// Like tail -f: the last lines of current, then new ones.
			readOpt.CurrentOnly = true
			out.startRing(max(opts.lines, 0))
		}
		readOpt.OnCaughtUp = out.goLive
		lines = log.Follow(ctx, readOpt, opts.interval)
	} else {
		lines = log.Lines(ctx, readOpt)
	}
	parser := &sendlog.Parser{Location: loc}
	warned := false
	var e sendlog.Event // one for all lines, so that it is not allocated per line
	for line, lerr := range lines {
		if lerr != nil {
			err = lerr
			break
		}
		if line.Truncated && !warned {
			a.warnf("%s: a line longer than %d bytes was cut short", cmp.Or(line.Path, log.Name()), sendlog.MaxLineLength)
			warned = true
		}
		e = parser.Parse(line.Bytes)
		if err = sel.Add(&e, line.Bytes); err != nil {
			break
		}
		if err = out.err; err != nil {
			break
		}
	}
	out.stopRing()
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return interrupted(err)
	}
	if !filter.IsZero() && out.printed == 0 {
		return errNothingMatched
	}
	return nil
}

// withCmdPath points the hint of a usage error at cmd's help.
func withCmdPath(cmd *cobra.Command, err error) error {
	var ue *usageError
	if errors.As(err, &ue) {
		ue.cmdPath = cmd.CommandPath()
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

// timeRange parses --since and --until.
func (a *app) timeRange(since, until string, loc *time.Location) (time.Time, time.Time, error) {
	var s, u time.Time
	var err error
	if since != "" {
		if s, err = parseTimeArg(since, a.now(), loc); err != nil {
			return s, u, usageErrorf("--since: %v", err)
		}
	}
	if until != "" {
		if u, err = parseTimeArg(until, a.now(), loc); err != nil {
			return s, u, usageErrorf("--until: %v", err)
		}
	}
	if !s.IsZero() && !u.IsZero() && u.Before(s) {
		return s, u, usageErrorf("--until %s is before --since %s", until, since)
	}
	return s, u, nil
}

// parseTimeArg parses a point in time for --since and --until: a date and
// time in loc, RFC 3339, a duration before now, or a TAI64N label.
func parseTimeArg(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if strings.HasPrefix(s, "@") {
		l, err := tai64n.Parse(s)
		if err != nil {
			return time.Time{}, err
		}
		return l.Time(), nil
	}
	// A duration needs its unit here: a bare number such as 20240601 is
	// more likely a date written without dashes than seconds.
	if d, err := qmailqueue.ParseAge(s); err == nil && strings.Trim(s, "0123456789") != "" {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			// A time of day: today's, in loc.
			y, m, d := now.In(loc).Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time: give a date and time (2024-06-01 09:30), a time today (09:30), an RFC 3339 time, a duration before now (90m, 2h, 7d) or a TAI64N label", s)
}

// newLogFilter builds the line selection from qq log's filter flags.
func newLogFilter(opts *logOptions) (*sendlog.Selection, error) {
	f := &sendlog.Selection{}
	var err error
	if f.IDs, err = numberSet("--id", opts.ids); err != nil {
		return nil, err
	}
	if f.QPs, err = numberSet("--qp", opts.qps); err != nil {
		return nil, err
	}
	f.Senders = sendlog.AddressSet(addressArgs(opts.senders))
	f.Recipients = sendlog.AddressSet(addressArgs(opts.recipients))
	for _, o := range opts.outcomes {
		if o == "bounce" {
			f.Bounce = true
			continue
		}
		out, ok := sendlog.ParseOutcome(o)
		if !ok {
			return nil, usageErrorf("--outcome %q: choose among success, deferral, failure, bounce", o)
		}
		if f.Outcomes == nil {
			f.Outcomes = map[sendlog.Outcome]bool{}
		}
		f.Outcomes[out] = true
	}
	return f, nil
}

// numberSet parses the values of a numeric filter flag.
func numberSet(flag string, values []string) (map[uint64]bool, error) {
	if len(values) == 0 {
		return nil, nil
	}
	set := map[uint64]bool{}
	for _, v := range values {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return nil, usageErrorf("%s %q: not a positive number", flag, v)
		}
		set[n] = true
	}
	return set, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// logPrinter writes the lines qq log selected.
type logPrinter struct {
	w       *bufio.Writer
	stamp   tai64n.Formatter // readable times, as tai64nlocal prints them
	json    bool
	live    bool // following new lines: flush each one
	esc     escaper
	printed int
	buf     []byte
	ring    [][]byte // with -f: the last lines before following
	ringN   int
	ringOn  bool
	err     error // from goLive
}

// goLive is called when -f has read the existing lines: print the lines
// kept back, then print and flush each new line.
func (p *logPrinter) goLive() {
	p.stopRing()
	p.live = true
	if err := p.w.Flush(); err != nil && p.err == nil {
		p.err = err
	}
}

func (p *logPrinter) startRing(n int) {
	p.ring, p.ringN, p.ringOn = make([][]byte, 0, n), n, true
}

// stopRing prints the lines kept for -f and goes on printing directly.
func (p *logPrinter) stopRing() {
	if !p.ringOn {
		return
	}
	p.ringOn = false
	for _, line := range p.ring {
		if _, err := p.w.Write(line); err != nil && p.err == nil {
			p.err = err
		}
	}
	p.ring = nil
}

// logLineView is one line of qq log --format json.
type logLineView struct {
	Time      string  `json:"time,omitempty"`
	Kind      string  `json:"kind"`
	Msg       uint64  `json:"msg,omitempty"`
	Delivery  uint64  `json:"delivery,omitempty"`
	Sender    *string `json:"sender,omitempty"` // info msg lines; "" for bounces
	QP        uint64  `json:"qp,omitempty"`
	Bytes     uint64  `json:"bytes,omitempty"`
	Channel   string  `json:"channel,omitempty"`
	Recipient string  `json:"recipient,omitempty"`
	Outcome   string  `json:"outcome,omitempty"`
	Text      string  `json:"text,omitempty"`
	Line      string  `json:"line"`
}

func (p *logPrinter) print(e *sendlog.Event, raw []byte, d *sendlog.Delivery) error {
	p.printed++
	p.buf = p.buf[:0]
	if p.json {
		v := logLineView{Kind: e.Kind.String(), Msg: e.Msg, Delivery: e.Delivery, Bytes: e.Bytes, QP: e.QP,
			Channel: e.Channel, Recipient: e.Recipient, Outcome: e.Outcome.String(), Text: e.Text, Line: e.Line}
		if e.HasStamp {
			v.Time = e.Stamp.Time().Format(time.RFC3339Nano)
		}
		if e.Kind == sendlog.KindInfoMsg {
			v.Sender = &e.Sender
		}
		if d != nil {
			v.Msg, v.Channel, v.Recipient = d.Msg, d.Channel, d.Recipient
		}
		var sb strings.Builder
		if err := writeJSON(&sb, v); err != nil {
			return err
		}
		p.buf = append(p.buf, sb.String()...)
	} else {
		p.buf = appendLogLine(p.buf, e, raw, p.stamp, p.esc)
		p.buf = append(p.buf, '\n')
	}
	if p.ringOn {
		if p.ringN == 0 {
			return nil
		}
		if len(p.ring) == p.ringN {
			p.ring = append(p.ring[:0], p.ring[1:]...)
		}
		p.ring = append(p.ring, clone(p.buf))
		return nil
	}
	if _, err := p.w.Write(p.buf); err != nil {
		return err
	}
	if p.live {
		return p.w.Flush()
	}
	return nil
}

// appendLogLine appends a line with its time stamp made readable by
// stamp, or the raw line if it has none.
func appendLogLine(dst []byte, e *sendlog.Event, raw []byte, stamp tai64n.Formatter, esc escaper) []byte {
	if !e.HasStamp {
		return appendLine(esc, dst, raw)
	}
	out, ok := stamp(dst, e.Stamp)
	if !ok {
		return appendLine(esc, dst, raw)
	}
	out = append(out, ' ')
	return appendLine(esc, out, e.Line)
}

// addressArgs reads addresses as the queue filters do (<> and "" for the
// null sender, <addr> for addr: qmailqueue.AddressArg).
func addressArgs(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = qmailqueue.AddressArg(a)
	}
	return out
}
