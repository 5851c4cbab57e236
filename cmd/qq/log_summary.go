package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/qmailqueue/sendlog"
)

type logSummaryOptions struct {
	source string
	since  string
	until  string
	top    int
	utc    bool
}

func newLogSummaryCmd(a *app) *cobra.Command {
	opts := &logSummaryOptions{}
	cmd := &cobra.Command{
		Use:   "summary [flags] [DIR|FILE|-]",
		Short: "totals, failure and deferral reasons, delays and senders from qmail-send's log",
		Long:  longHelp("log-summary"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.source = args[0]
			}
			return withCmdPath(cmd, runLogSummary(cmd.Context(), a, opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.since, "since", "", "count lines logged at or after `TIME`")
	f.StringVar(&opts.until, "until", "", "count lines logged at or before `TIME`")
	f.IntVar(&opts.top, "top", 10, "list the `N` most frequent reasons, domains and senders")
	f.BoolVar(&opts.utc, "utc", false, "print times in UTC")
	return cmd
}

func runLogSummary(ctx context.Context, a *app, opts *logSummaryOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	if opts.top < 0 {
		return usageErrorf("--top must not be negative")
	}
	loc := a.location(opts.utc)
	since, until, err := a.timeRange(opts.since, opts.until, loc)
	if err != nil {
		return err
	}
	log, err := a.openLog(ctx, opts.source)
	if err != nil {
		return err
	}
	sum, err := sendlog.Summarize(ctx, log, &sendlog.Parser{Location: loc}, since, until, opts.top)
	if err != nil {
		return interrupted(err)
	}
	a.page()
	if format == formatJSON {
		return writeJSON(a.stdout, newSummaryView(sum))
	}
	sections := summarySections(sum, loc, format == formatTable)
	if format == formatPlain {
		return writeSummaryPlain(a, sections)
	}
	for i, sec := range sections {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		cols := make([]col, len(sec.header))
		for i, h := range sec.header {
			cols[i] = col{Name: h, Min: 8}
		}
		t := a.newTable(a.stdout, cols...)
		t.Title = sec.title
		for _, r := range sec.rows {
			row := make([]any, len(r))
			for i, c := range r {
				row[i] = a.esc().line(c)
			}
			t.row(row...)
		}
		if err := t.render(); err != nil {
			return err
		}
	}
	return nil
}

// summarySection is one block of the summary, rendered as a table or as
// tab-separated records whose first field is the record name.
type summarySection struct {
	title  string
	record string // first field of each plain record
	header []string
	rows   [][]string
}

// summarySections lays the summary out; human prints byte counts for
// people (1.5 MiB) rather than as numbers.
func summarySections(s sendlog.Summary, loc *time.Location, human bool) []summarySection {
	itoa := strconv.Itoa
	bytes := func(n uint64) string {
		if human {
			return humanBytes(int64(n))
		}
		return strconv.FormatUint(n, 10)
	}
	first, last := "-", "-"
	if s.HasTimes {
		first, last = readableTime(s.First, loc), readableTime(s.Last, loc)
	}
	totals := summarySection{title: "totals", record: "total", header: []string{"what", "count"},
		rows: [][]string{
			{"first_line", first},
			{"last_line", last},
			{"lines", itoa(s.Lines)},
			{"messages", itoa(s.Messages)},
			{"bytes", bytes(s.Bytes)},
			{"ended", itoa(s.Ended)},
			{"bounces", itoa(s.Bounces)},
			{"triple_bounces", itoa(s.TripleBounces)},
			{"attempts", itoa(s.Attempts)},
			{"successes", itoa(s.Successes)},
			{"failures", itoa(s.Failures)},
			{"deferrals", itoa(s.Deferrals)},
			{"warnings", itoa(s.Warnings)},
			{"alerts", itoa(s.Alerts)},
			{"other_lines", itoa(s.Other)},
		}}
	counts := func(title, record, what string, cs []sendlog.Count) summarySection {
		sec := summarySection{title: title, record: record, header: []string{"count", what}}
		for _, c := range cs {
			sec.rows = append(sec.rows, []string{itoa(c.N), c.Key})
		}
		return sec
	}
	d := s.Delays
	delays := summarySection{title: "delivery delays", record: "delay", header: []string{"what", "delay"},
		rows: [][]string{{"deliveries", itoa(d.N)}}}
	if d.N > 0 {
		for _, r := range []struct {
			name string
			d    time.Duration
		}{{"mean", d.Mean}, {"p50", d.P50}, {"p90", d.P90}, {"p95", d.P95}, {"p99", d.P99}, {"max", d.Max}} {
			delays.rows = append(delays.rows, []string{r.name, durationText(r.d)})
		}
	}
	senders := summarySection{title: "busiest senders", record: "sender", header: []string{"messages", "bytes", "recipients", "sender"}}
	for _, snd := range s.Senders {
		senders.rows = append(senders.rows, []string{itoa(snd.Messages), bytes(snd.Bytes), itoa(snd.Recipients), "<" + snd.Sender + ">"})
	}
	return []summarySection{
		totals,
		counts("failure reasons", "failure", "reason", s.FailureReasons),
		counts("deferral reasons", "deferral", "reason", s.DeferralReasons),
		counts("deferrals by domain", "deferral_domain", "domain", s.DeferralDomains),
		delays,
		senders,
	}
}

// writeSummaryPlain prints one tab-separated record per row; the period
// comes first.
func writeSummaryPlain(a *app, sections []summarySection) error {
	w := bufio.NewWriter(a.stdout)
	for _, sec := range sections {
		for _, r := range sec.rows {
			w.WriteString(sec.record)
			for _, c := range r {
				w.WriteByte('\t')
				w.WriteString(a.esc().line(c))
			}
			w.WriteByte('\n')
		}
	}
	return w.Flush()
}

// summaryView is qq log summary --format json.
type summaryView struct {
	First           string       `json:"first,omitempty"`
	Last            string       `json:"last,omitempty"`
	Lines           int          `json:"lines"`
	Messages        int          `json:"messages"`
	Bytes           uint64       `json:"bytes"`
	Ended           int          `json:"ended"`
	Bounces         int          `json:"bounces"`
	TripleBounces   int          `json:"triple_bounces"`
	Attempts        int          `json:"attempts"`
	Successes       int          `json:"successes"`
	Failures        int          `json:"failures"`
	Deferrals       int          `json:"deferrals"`
	Warnings        int          `json:"warnings"`
	Alerts          int          `json:"alerts"`
	OtherLines      int          `json:"other_lines"`
	FailureReasons  []countView  `json:"failure_reasons"`
	DeferralReasons []countView  `json:"deferral_reasons"`
	DeferralDomains []domainView `json:"deferral_domains"`
	Delays          delaysView   `json:"delays"`
	Senders         []senderView `json:"senders"`
}

type countView struct {
	Count  int    `json:"count"`
	Reason string `json:"reason"`
}

type domainView struct {
	Count  int    `json:"count"`
	Domain string `json:"domain"`
}

// delaysView gives delays in seconds.
type delaysView struct {
	Deliveries int     `json:"deliveries"`
	Mean       float64 `json:"mean_seconds"`
	P50        float64 `json:"p50_seconds"`
	P90        float64 `json:"p90_seconds"`
	P95        float64 `json:"p95_seconds"`
	P99        float64 `json:"p99_seconds"`
	Max        float64 `json:"max_seconds"`
}

type senderView struct {
	Sender     string `json:"sender"`
	Messages   int    `json:"messages"`
	Bytes      uint64 `json:"bytes"`
	Recipients int    `json:"recipients"`
}

func newSummaryView(s sendlog.Summary) summaryView {
	v := summaryView{Lines: s.Lines, Messages: s.Messages, Bytes: s.Bytes, Ended: s.Ended, Bounces: s.Bounces,
		TripleBounces: s.TripleBounces, Attempts: s.Attempts, Successes: s.Successes, Failures: s.Failures,
		Deferrals: s.Deferrals, Warnings: s.Warnings, Alerts: s.Alerts, OtherLines: s.Other,
		FailureReasons: []countView{}, DeferralReasons: []countView{}, DeferralDomains: []domainView{}, Senders: []senderView{}}
	if s.HasTimes {
		v.First, v.Last = jsonTime(s.First), jsonTime(s.Last)
	}
	for _, c := range s.FailureReasons {
		v.FailureReasons = append(v.FailureReasons, countView{Count: c.N, Reason: c.Key})
	}
	for _, c := range s.DeferralReasons {
		v.DeferralReasons = append(v.DeferralReasons, countView{Count: c.N, Reason: c.Key})
	}
	for _, c := range s.DeferralDomains {
		v.DeferralDomains = append(v.DeferralDomains, domainView{Count: c.N, Domain: c.Key})
	}
	for _, snd := range s.Senders {
		v.Senders = append(v.Senders, senderView{Sender: snd.Sender, Messages: snd.Messages, Bytes: snd.Bytes, Recipients: snd.Recipients})
	}
	d := s.Delays
	v.Delays = delaysView{Deliveries: d.N, Mean: d.Mean.Seconds(), P50: d.P50.Seconds(), P90: d.P90.Seconds(),
		P95: d.P95.Seconds(), P99: d.P99.Seconds(), Max: d.Max.Seconds()}
	return v
}
