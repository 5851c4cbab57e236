package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/tai64n"
)

// defaultLogDir is qmail-send's multilog directory when neither a source
// argument nor QQ_LOG_DIR names one (Life with qmail's layout).
const defaultLogDir = "/var/log/qmail"

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
		Use:   "log [flags] [DIR|FILE|-]",
		Short: "read qmail-send's log with readable times, filter it, follow it",
		Long: `qq log prints qmail-send's log with readable times (as tai64nlocal
prints them, in the local zone or, with --utc, in UTC).

The log is a multilog directory (its rotated @….s and @….u files in time
order, then current), a single file, or standard input ("-"). Without an
argument qq reads $QQ_LOG_DIR, or /var/log/qmail. Lines may carry TAI64N
labels, tai64nlocal times or fractional epoch seconds.

Filters select lines by what they are about. A message's lines are its new
msg, info msg, starting delivery, delivery, bounce msg, triple bounce and
end msg lines, and warnings naming its queue files; a delivery's lines are
its starting delivery and delivery lines. Every filter given must match;
repeat a filter or give a comma list to accept several values.
  --id ID           lines of message ID (IDs are reused: every message
                    that had the ID)
  --qp PID          lines of the message queued by qmail-queue PID (the
                    "qp" of qmail-smtpd's "250 ok … qp PID" reply)
  --sender ADDR     lines of messages from ADDR ("<>" for bounces)
  --recipient ADDR  delivery lines to ADDR
  --outcome LIST    delivery lines with a result among success, deferral,
                    failure; "bounce" selects bounce msg and triple bounce
                    lines
A starting delivery line waits for its result before it is printed when
the outcome decides; a new msg line waits for its info msg line when the
sender or qp decides. Lines without a time stamp take the time of the line
before them for --since and --until.

--since and --until take a date and time (2024-06-01 09:30, in the local
zone, or RFC 3339), a time today (09:30), a duration before now (90m, 2h,
7d) or a TAI64N label.
With -f, qq prints the last --lines lines of current (or everything from
--since) and then prints new lines as multilog writes them, following
current across rotations, until interrupted.

Examples:
  qq log --since 1h --outcome deferral,failure
  qq log --recipient bob@example.net /var/log/qmail
  qq log -f --sender newsletter@shop.example
  qq log --qp 31337 --format json < saved.log`,
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
	f.DurationVar(&opts.interval, "interval", time.Second, "how often -f checks for new lines")
	f.IntVarP(&opts.lines, "lines", "n", 10, "with -f and no --since: print the last `N` lines of current first")
	f.StringSliceVar(&opts.ids, "id", nil, "lines of message `ID`")
	f.StringSliceVar(&opts.qps, "qp", nil, "lines of the message queued by qmail-queue `PID`")
	f.StringSliceVar(&opts.senders, "sender", nil, "lines of messages from `ADDR`")
	f.StringSliceVar(&opts.recipients, "recipient", nil, "delivery lines to `ADDR`")
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
	out := &logPrinter{w: w, stamp: tai64n.LocalFormatter(loc), json: format == formatJSON}
	sel := newLogSelector(filter, since, until, out)

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
		if err = sel.add(&e, line.Bytes); err != nil {
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
	if filter.any() && out.printed == 0 {
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
	if name == "-" {
		return sendlog.FromReader("standard input", interruptible(ctx, a.stdin)), nil
	}
	if name == "" {
		name = a.getenv("QQ_LOG_DIR")
	}
	if name == "" {
		name = defaultLogDir
	}
	log, err := sendlog.Open(name)
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
	if d, ok := parseAgo(s); ok {
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

// parseAgo parses a duration such as 90m, 2h30m, 7d or 2w.
func parseAgo(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseUint(n, 10, 16)
		return time.Duration(days) * 24 * time.Hour, err == nil
	}
	if n, ok := strings.CutSuffix(s, "w"); ok {
		weeks, err := strconv.ParseUint(n, 10, 16)
		return time.Duration(weeks) * 7 * 24 * time.Hour, err == nil
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// logFilter holds the line filters of qq log.
type logFilter struct {
	ids        map[uint64]bool
	qps        map[uint64]bool
	senders    map[string]bool // lower case
	recipients map[string]bool // lower case
	outcomes   map[sendlog.Outcome]bool
	bounce     bool // --outcome bounce
}

func newLogFilter(opts *logOptions) (*logFilter, error) {
	f := &logFilter{}
	var err error
	if f.ids, err = numberSet("--id", opts.ids); err != nil {
		return nil, err
	}
	if f.qps, err = numberSet("--qp", opts.qps); err != nil {
		return nil, err
	}
	f.senders = addressSet(opts.senders)
	f.recipients = addressSet(opts.recipients)
	for _, o := range opts.outcomes {
		if o == "bounce" {
			f.bounce = true
			continue
		}
		out, ok := sendlog.ParseOutcome(o)
		if !ok {
			return nil, usageErrorf("--outcome %q: choose among success, deferral, failure, bounce", o)
		}
		if f.outcomes == nil {
			f.outcomes = map[sendlog.Outcome]bool{}
		}
		f.outcomes[out] = true
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

// addressSet lower-cases addresses and drops their angle brackets.
func addressSet(addrs []string) map[string]bool {
	if len(addrs) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, a := range addrs {
		set[strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">"))] = true
	}
	return set
}

func (f *logFilter) any() bool {
	return f.ids != nil || f.byInfo() || f.recipients != nil || f.byOutcome()
}

// byInfo reports whether the filter needs a message's info msg line.
func (f *logFilter) byInfo() bool { return f.qps != nil || f.senders != nil }

func (f *logFilter) byOutcome() bool { return f.outcomes != nil || f.bounce }

// matchInfo reports whether a message's info line passes --qp and --sender.
func (f *logFilter) matchInfo(info *sendlog.Info) bool {
	if !f.byInfo() {
		return true
	}
	if info == nil {
		return false
	}
	return (f.qps == nil || f.qps[info.QP]) && (f.senders == nil || f.senders[strings.ToLower(info.Sender)])
}

// logSelector decides which lines qq log prints, holding the lines whose
// fate depends on a later line.
type logSelector struct {
	f         *logFilter
	window    sendlog.Range
	tracker   *sendlog.Tracker
	out       *logPrinter
	heldNew   map[uint64]heldLine            // new msg lines waiting for info msg
	heldStart map[*sendlog.Delivery]heldLine // starting lines waiting for the result
}

// heldLine is a line kept back, with whether it lies in the time range.
type heldLine struct {
	e       sendlog.Event
	raw     []byte
	inRange bool
}

func newLogSelector(f *logFilter, since, until time.Time, out *logPrinter) *logSelector {
	s := &logSelector{f: f, window: sendlog.Range{Since: since, Until: until}, out: out,
		heldNew: map[uint64]heldLine{}, heldStart: map[*sendlog.Delivery]heldLine{}}
	s.tracker = &sendlog.Tracker{}
	switch {
	case f.ids != nil:
		s.tracker.Want = func(id uint64) bool { return f.ids[id] }
	case !f.byInfo():
		// No filter on messages: only deliveries need tracking.
		s.tracker.Want = func(uint64) bool { return false }
	}
	if f.byInfo() {
		s.tracker.Select = func(h *sendlog.History) bool { return f.matchInfo(h.Info) }
	}
	return s
}

// add takes one line and prints what can be printed.
func (s *logSelector) add(e *sendlog.Event, raw []byte) error {
	inRange := s.window.Contains(e)
	f := s.f
	if !f.any() {
		if inRange {
			return s.out.print(e, raw, nil)
		}
		return nil
	}
	h, d := s.tracker.Add(e)
	switch e.Kind {
	case sendlog.KindNewMsg:
		if h != nil && f.byInfo() {
			s.heldNew[e.Msg] = heldLine{e: *e, raw: clone(raw), inRange: inRange}
			return nil
		}
	case sendlog.KindInfoMsg:
		held, ok := s.heldNew[e.Msg]
		delete(s.heldNew, e.Msg)
		if ok && held.inRange && s.matches(e, h, d) {
			if err := s.out.print(&held.e, held.raw, nil); err != nil {
				return err
			}
		}
	case sendlog.KindEndMsg:
		delete(s.heldNew, e.Msg)
	case sendlog.KindStartDelivery:
		if f.byOutcome() {
			if s.deliveryMatches(h, d) {
				s.holdStart(d, heldLine{e: *e, raw: clone(raw), inRange: inRange})
			}
			return nil
		}
	case sendlog.KindDelivery:
		held, ok := s.heldStart[d]
		delete(s.heldStart, d)
		if ok && held.inRange && s.matches(e, h, d) {
			if err := s.out.print(&held.e, held.raw, d); err != nil {
				return err
			}
		}
	case sendlog.KindStatus:
		if e.Exiting {
			clear(s.heldStart) // those deliveries will never end
		}
	}
	if inRange && s.matches(e, h, d) {
		return s.out.print(e, raw, d)
	}
	return nil
}

// holdStart keeps a starting delivery line until its result. Deliveries
// whose result was never logged (qmail-send crashed) are dropped when too
// many are held.
func (s *logSelector) holdStart(d *sendlog.Delivery, line heldLine) {
	if len(s.heldStart) >= 4096 {
		for d := range s.heldStart {
			if d.Lost {
				delete(s.heldStart, d)
			}
		}
	}
	s.heldStart[d] = line
}

// matches applies every filter to one line. A line carries the message
// attributes (ID, qp, sender) if it is about a message, the recipient if it
// is about a delivery, and an outcome if it is a delivery result or a
// bounce; a filter on an attribute the line lacks rejects it.
func (s *logSelector) matches(e *sendlog.Event, h *sendlog.History, d *sendlog.Delivery) bool {
	f := s.f
	if (f.ids != nil || f.byInfo()) && (h == nil || !s.messageMatches(h)) {
		return false
	}
	switch e.Kind {
	case sendlog.KindStartDelivery:
		return !f.byOutcome() && s.deliveryMatches(h, d)
	case sendlog.KindDelivery:
		return s.deliveryMatches(h, d) && (!f.byOutcome() || f.outcomes[e.Outcome])
	case sendlog.KindBounceMsg, sendlog.KindTripleBounce:
		return f.recipients == nil && (!f.byOutcome() || f.bounce)
	case sendlog.KindNewMsg, sendlog.KindInfoMsg, sendlog.KindEndMsg, sendlog.KindWarning, sendlog.KindAlert:
		return f.recipients == nil && !f.byOutcome()
	}
	return false
}

// messageMatches applies --id, --qp and --sender to a message.
func (s *logSelector) messageMatches(h *sendlog.History) bool {
	return (s.f.ids == nil || s.f.ids[h.ID]) && s.f.matchInfo(h.Info)
}

// deliveryMatches applies the message filters and --recipient to a
// delivery.
func (s *logSelector) deliveryMatches(h *sendlog.History, d *sendlog.Delivery) bool {
	f := s.f
	if (f.ids != nil || f.byInfo()) && (h == nil || !s.messageMatches(h)) {
		return false
	}
	return f.recipients == nil || d != nil && f.recipients[strings.ToLower(d.Recipient)]
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// logPrinter writes the lines qq log selected.
type logPrinter struct {
	w       *bufio.Writer
	stamp   tai64n.Formatter // readable times, as tai64nlocal prints them
	json    bool
	live    bool // following new lines: flush each one
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
		p.buf = appendLogLine(p.buf, e, raw, p.stamp)
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
func appendLogLine(dst []byte, e *sendlog.Event, raw []byte, stamp tai64n.Formatter) []byte {
	if !e.HasStamp {
		return append(dst, raw...)
	}
	out, ok := stamp(dst, e.Stamp)
	if !ok {
		return append(dst, raw...)
	}
	out = append(out, ' ')
	return append(out, e.Line...)
}
