package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qqmail/qq/control"
	"github.com/qqmail/qq/termsafe"
	"github.com/spf13/cobra"
)

// What the control-file commands (qq control, qq badmailfrom, qq
// badrcptto, qq rcpthosts) share.

// lockWait is how long a command that changes a control file waits for
// another qq holding the control directory's lock.
const lockWait = 30 * time.Second

// controlError maps the control package's errors to qq's exit codes: a
// rejected value or request is a usage error, a held lock or a concurrent
// change a temporary failure.
func controlError(cmd *cobra.Command, err error) error {
	var ve *control.ValueError
	var re *control.RequestError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve), errors.As(err, &re):
		return asUsage(cmd, err)
	case errors.Is(err, control.ErrLocked), errors.Is(err, control.ErrChanged):
		return withCode(exitTempFail, err)
	}
	return err
}

// showNotices prints the notes and warnings of a control-file report; a
// note is informational and, like a warning, left out with --quiet.
func showNotices(a *app, notices []control.Notice) {
	for _, n := range notices {
		switch {
		case n.Warning:
			a.warnf("%s", n.Text)
		case !a.quiet:
			fmt.Fprintf(a.stderr, "qq: note: %s\n", n.Text)
		}
	}
}

// leaf makes a subcommand that runs run with its arguments.
func leaf(use, short, long string, args cobra.PositionalArgs, run func(cmd *cobra.Command, args []string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Long: long, Args: args, RunE: run}
}

// validateInputs checks every input with check ([control.ValidateInputs]);
// all rejections are reported (one line each), and then the command fails
// with a usage error, before anything is changed.
func validateInputs(a *app, cmd *cobra.Command, in []control.Input, check func(string) (string, []string, error)) (values []string, notes []control.Notice, err error) {
	values, notes, errs := control.ValidateInputs(in, check)
	switch len(errs) {
	case 0:
		return values, notes, nil
	case 1:
		return nil, nil, controlError(cmd, errs[0])
	}
	for _, err := range errs {
		fmt.Fprintf(a.stderr, "qq: %v\n", err)
	}
	fmt.Fprintf(a.stderr, "qq: %d values rejected, nothing changed\n", len(errs))
	return nil, nil, &silentError{code: exitUsage}
}

// visible makes control bytes, a trailing CR, NULs, C1 controls and
// invalid UTF-8 visible in output, Go-escape style, without quoting plain
// text: termsafe.Line, applied whether or not the output is a terminal,
// because these lines report control-file entries that must be told apart.
func visible(s string) string { return termsafe.Line(s) }

// changeInputs reads the values given to a command that changes control
// files ("-" stands for the lines of stdin) and starts the wait for the
// control directory's lock; the caller defers cancel.
func changeInputs(cmd *cobra.Command, a *app, args []string) ([]control.Input, context.Context, context.CancelFunc, error) {
	in, err := control.ReadInputs(args, a.stdin)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), lockWait)
	return in, ctx, cancel, nil
}

// writeChange prints the control package's report of a change: its JSON
// view, or its lines for people; then its notices.
func writeChange(a *app, view any, lines []string, notices []control.Notice) error {
	if a.output == formatJSON {
		if err := writeJSON(a.stdout, view); err != nil {
			return err
		}
	} else {
		for _, l := range lines {
			fmt.Fprintln(a.stdout, l)
		}
	}
	showNotices(a, notices)
	return nil
}

// writeItems prints items as JSON lines (each item's view, or the item
// itself when view is nil), or as rows under header.
func writeItems[T any](a *app, format string, header []any, items []T, view func(T) any, row func(T) []any) error {
	if format == formatJSON {
		for _, it := range items {
			var v any = it
			if view != nil {
				v = view(it)
			}
			if err := writeJSON(a.stdout, v); err != nil {
				return err
			}
		}
		return nil
	}
	rows := make([][]any, 0, len(items))
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return writeRows(a, format, header, rows)
}

// writeRows renders rows as a table or as tab-separated lines with a
// header; no rows print nothing. Text cells are escaped on a terminal.
func writeRows(a *app, format string, header []any, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		for i, c := range r {
			if s, ok := c.(string); ok {
				r[i] = a.esc().line(s)
			}
		}
	}
	if format == formatTable {
		// The first column names the row and is never cut or hidden; the
		// others share what is left, and the last ones are hidden first
		// when even that is too narrow.
		cols := make([]col, len(header))
		for i, h := range header {
			cols[i] = col{Name: fmt.Sprint(h), Min: 8, Drop: i}
		}
		cols[0].Min = 0
		t := a.newTable(a.stdout, cols...)
		for _, r := range rows {
			t.row(r...)
		}
		return t.render()
	}
	w := bufio.NewWriter(a.stdout)
	for _, r := range append([][]any{header}, rows...) {
		for i, c := range r {
			if i > 0 {
				w.WriteByte('\t')
			}
			fmt.Fprint(w, c)
		}
		w.WriteByte('\n')
	}
	return w.Flush()
}

// runListFile prints the analysed lines of a list file ([control.ListReport])
// after its notices: the list subcommand of badmailfrom, badrcptto and
// rcpthosts.
func runListFile(a *app, read func(dir string) (control.ListReport, error)) error {
	format := a.output
	r, err := read(a.controlDir)
	showNotices(a, r.Notices)
	if err != nil {
		return err
	}
	header := []any{"LINE", "ENTRY", "PROBLEMS"}
	if r.Files != nil {
		header = append([]any{"FILE"}, header...)
	}
	return writeItems(a, format, header, r.Views(), nil, func(l control.LineView) []any {
		row := []any{l.Line, visible(l.Entry), l.ProblemText()}
		if r.Files != nil {
			row = append([]any{l.File}, row...)
		}
		return row
	})
}

// runCheckInputs prints what check decides for each input, as JSON lines or
// rows, after its notices: the check subcommand of badmailfrom, badrcptto
// and rcpthosts. It fails with errNothingMatched unless every input
// matched.
func runCheckInputs[T any](a *app, args []string, check func(dir string, in []string) ([]T, []control.Notice, error), header []any, row func(T) []any, matched func(T) bool) error {
	format := a.output
	in, err := control.ReadInputs(args, a.stdin)
	if err != nil {
		return err
	}
	results, notices, checkErr := check(a.controlDir, control.InputValues(in))
	showNotices(a, notices)
	// JSON lines stream: those before a failure are printed, a table is not.
	if checkErr != nil && format != formatJSON {
		return checkErr
	}
	if err := writeItems(a, format, header, results, nil, row); err != nil {
		return err
	}
	if checkErr != nil {
		return checkErr
	}
	for _, r := range results {
		if !matched(r) {
			return errNothingMatched
		}
	}
	return nil
}
