package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/columns"
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
		return cmdutil.AsUsage(cmd, err)
	case errors.Is(err, control.ErrLocked), errors.Is(err, control.ErrChanged):
		return cmdutil.WithCode(cmdutil.ExitTempFail, err)
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
func validateInputs(a *app, cmd *cobra.Command, in []control.Input, check func(string) (string, []string, error)) ([]string, []control.Notice, error) {
	values, notes, err := control.ValidateInputs(in, check)
	if errs, ok := err.(control.InputErrors); ok {
		for _, err := range errs {
			fmt.Fprintf(a.stderr, "qq: %v\n", err)
		}
		fmt.Fprintf(a.stderr, "qq: %v\n", errs)
		return nil, nil, &cmdutil.SilentError{Code: cmdutil.ExitUsage}
	}
	return values, notes, controlError(cmd, err)
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
	if a.output == cmdutil.FormatJSON {
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
// itself when view is nil), or as rows under header ([writeRows]).
func writeItems[T any](a *app, header []string, items []T, view func(T) any, row func(T) []any) error {
	if a.output == cmdutil.FormatJSON {
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
	return writeRows(a, header, rows)
}

// writeRows renders rows as a table or as tab-separated lines with a
// header ([columns.WriteRows]); no rows print nothing. Text cells are
// escaped on a terminal.
func writeRows(a *app, header []string, rows [][]any) error {
	cells := make([][]cell, 0, len(rows))
	for _, r := range rows {
		for i, c := range r {
			if s, ok := c.(string); ok {
				r[i] = a.esc().line(s)
			}
		}
		cells = append(cells, columns.Values(r...))
	}
	return columns.WriteRows(a.stdout, a.layout(), a.output == cmdutil.FormatTable, header, cells)
}

// runListFile prints the analysed lines of a list file ([control.ListReport])
// after its notices: the list subcommand of badmailfrom, badrcptto and
// rcpthosts.
func runListFile(a *app, read func(dir string) (control.ListReport, error)) error {
	r, err := read(a.controlDir)
	showNotices(a, r.Notices)
	if err != nil {
		return err
	}
	header := []string{"LINE", "ENTRY", "PROBLEMS"}
	if r.Files != nil {
		header = append([]string{"FILE"}, header...)
	}
	return writeItems(a, header, r.Views(), nil, func(l control.LineView) []any {
		row := []any{l.Line, visible(l.Entry), l.ProblemText()}
		if r.Files != nil {
			row = append([]any{l.File}, row...)
		}
		return row
	})
}

// runCheckInputs prints what check decides for each input, as JSON lines or
// rows, after its notices: the check subcommand of badmailfrom, badrcptto
// and rcpthosts. It fails with cmdutil.ErrNothingMatched unless every input
// matched.
func runCheckInputs[T any](a *app, args []string, check func(dir string, in []string) ([]T, []control.Notice, error), header []string, row func(T) []any, matched func(T) bool) error {
	in, err := control.ReadInputs(args, a.stdin)
	if err != nil {
		return err
	}
	results, notices, checkErr := check(a.controlDir, control.InputValues(in))
	showNotices(a, notices)
	// JSON lines stream: those before a failure are printed, a table is not.
	if checkErr != nil && a.output != cmdutil.FormatJSON {
		return checkErr
	}
	if err := writeItems(a, header, results, nil, row); err != nil {
		return err
	}
	if checkErr != nil {
		return checkErr
	}
	for _, r := range results {
		if !matched(r) {
			return cmdutil.ErrNothingMatched
		}
	}
	return nil
}
