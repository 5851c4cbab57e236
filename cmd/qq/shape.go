package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/spf13/cobra"
)

type shapeOptions struct {
	filter  filterFlags
	shape   report.ShapeArgs
	workers int
	args    []string
}

func newShapeCmd(a *app) *cobra.Command {
	opts := &shapeOptions{}
	cmd := &cobra.Command{
		Use:         "shape [ID…] [filters]",
		GroupID:     groupQueue,
		Short:       "show the queue by domain and age, as Postfix's qshape",
		Long:        longHelp("shape"),
		Annotations: cmdutil.Formats("", tableFormats...),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runShape(cmd.Context(), a, opts)
		},
	}
	opts.filter.addFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&opts.shape.By, "by", "rcpt-domain", "rows are `KEY`: rcpt-domain or sender-domain")
	f.StringVarP(&opts.shape.First, "bucket-time", "t", "5m", "upper age limit of the first bucket (`AGE`: 90s, 5m, 1h, 1d)")
	f.IntVarP(&opts.shape.Buckets, "buckets", "b", 10, "number of age buckets, `N` ≥ 2, the last one open-ended")
	f.BoolVarP(&opts.shape.Linear, "linear", "l", false, "buckets of equal width instead of doubling")
	f.IntVarP(&opts.shape.Top, "top", "n", 0, "show the largest `N` domains only (0: all)")
	f.BoolVarP(&opts.shape.Parents, "parents", "p", false, "add parent-domain rows (.example.com)")
	f.IntVarP(&opts.shape.MinSubdomains, "min-subdomains", "m", 5, "with --parents, show a parent with at least `N` subdomains")
	f.IntVar(&opts.workers, "workers", 0, "read files with `N` goroutines (default: the number of CPUs)")
	return cmd
}

func runShape(ctx context.Context, a *app, opts *shapeOptions) error {
	format := a.output
	now := a.now()
	shapeOpts, rowOpts, err := opts.shape.Parse(now)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	q, filter, err := a.openFiltered(&opts.filter, now, opts.args)
	if err != nil {
		return err
	}
	shape, err := report.NewShape(shapeOpts)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	stats, err := report.Collect(ctx, q, shape, filter, opts.workers)
	if err != nil {
		return err
	}
	rows := shape.Rows(rowOpts)
	total := shape.Total()
	labels := shape.Labels()

	a.page()
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	defer out.Flush()
	switch format {
	case cmdutil.FormatJSON:
		err = writeJSON(out, shape.JSON(rows))
	case cmdutil.FormatPlain:
		fmt.Fprintf(out, "DOMAIN\tT\t%s\n", strings.Join(labels, "\t"))
		for _, r := range append([]report.ShapeRow{total}, rows...) {
			fmt.Fprintf(out, "%s\t%d", printable(r.Name()), r.Total)
			for _, n := range r.Counts {
				fmt.Fprintf(out, "\t%d", n)
			}
			out.WriteByte('\n')
		}
	default:
		// The domain is cut first; the oldest buckets go first when even
		// that does not fit.
		cols := []col{{Name: "DOMAIN", Max: 40, Min: 12}, {Name: "T", Right: true}}
		for i, l := range labels {
			cols = append(cols, col{Name: l, Right: true, Drop: i + 1})
		}
		t := a.newTable(out, cols...)
		t.HeaderAsIs = true // bucket labels are lower-case: 5m, 1h
		for i, r := range append([]report.ShapeRow{total}, rows...) {
			row := []any{printable(r.Name()), r.Total}
			for _, n := range r.Counts {
				row = append(row, n)
			}
			t.row(row...)
			if i == 0 {
				t.separator()
			}
		}
		err = t.render()
	}
	return a.endRead(out, err, stats.Vanished, total.Total == 0 && !filter.IsZero())
}
