package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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
// rejected value is a usage error, a held lock or a concurrent change a
// temporary failure.
func controlError(cmd *cobra.Command, err error) error {
	var ve *control.ValueError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return asUsage(cmd, err)
	case errors.Is(err, control.ErrLocked), errors.Is(err, control.ErrChanged):
		return withCode(exitTempFail, err)
	}
	return err
}

// noteControl prints an informational line to stderr unless --quiet.
func noteControl(a *app, format string, args ...any) {
	if a.quiet {
		return
	}
	fmt.Fprintf(a.stderr, "qq: note: "+format+"\n", args...)
}

// inputValue is a value from the command line or from a line of stdin,
// with where it came from for messages.
type inputValue struct {
	value string
	where string // "" for an argument, "stdin line N" for stdin
}

// readValues expands the arguments: "-" stands for the lines of stdin,
// without surrounding whitespace; blank lines and lines starting with "#"
// are skipped.
func readValues(a *app, args []string) ([]inputValue, error) {
	var out []inputValue
	for _, arg := range args {
		if arg != "-" {
			out = append(out, inputValue{value: arg})
			continue
		}
		sc := bufio.NewScanner(a.stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			v := strings.TrimSpace(sc.Text())
			if v == "" || v[0] == '#' {
				continue
			}
			out = append(out, inputValue{value: v, where: fmt.Sprintf("stdin line %d", n)})
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	}
	return out, nil
}

// validated is a value that passed validation, normalised.
type validated struct {
	in    inputValue
	value string
	notes []string
}

// validateValues checks every value with check; all rejections are
// reported (one line each), and then the command fails with a usage
// error, before anything is changed.
func validateValues(a *app, cmd *cobra.Command, in []inputValue, check func(string) (string, []string, error), hint func(error) string) ([]validated, error) {
	var out []validated
	var bad []error
	for _, v := range in {
		norm, notes, err := check(v.value)
		if err != nil {
			if v.where != "" {
				err = fmt.Errorf("%s: %w", v.where, err)
			}
			if hint != nil {
				if h := hint(err); h != "" {
					err = fmt.Errorf("%w (%s)", err, h)
				}
			}
			bad = append(bad, err)
			continue
		}
		out = append(out, validated{in: v, value: norm, notes: notes})
	}
	switch len(bad) {
	case 0:
		return out, nil
	case 1:
		return nil, controlError(cmd, bad[0])
	}
	for _, err := range bad {
		fmt.Fprintf(a.stderr, "qq: %v\n", err)
	}
	fmt.Fprintf(a.stderr, "qq: %d values rejected, nothing changed\n", len(bad))
	return nil, &silentError{code: exitUsage}
}

// printNotes prints each distinct validation note once.
func printNotes(a *app, vs []validated) {
	seen := map[string]bool{}
	for _, v := range vs {
		for _, n := range v.notes {
			if !seen[n] {
				seen[n] = true
				noteControl(a, "%s", n)
			}
		}
	}
}

// visible makes control bytes, a trailing CR, NULs, C1 controls and
// invalid UTF-8 visible in output, Go-escape style, without quoting plain
// text: termsafe.Line, applied whether or not the output is a terminal,
// because these lines report control-file entries that must be told apart.
func visible(s string) string { return termsafe.Line(s) }

// lineEntryJSON is a list entry with its line.
type lineEntryJSON struct {
	Line  int    `json:"line"`
	Entry string `json:"entry"`
}

func lineEntriesJSON(es []control.ListEntry) []lineEntryJSON {
	out := []lineEntryJSON{}
	for _, e := range es {
		out = append(out, lineEntryJSON{Line: e.Line, Entry: e.Value})
	}
	return out
}

// listChangeJSON is the JSON view of a change of a list file.
type listChangeJSON struct {
	File       string          `json:"file"`
	Added      []string        `json:"added"`
	Present    []lineEntryJSON `json:"present"`
	Fixed      []lineEntryJSON `json:"fixed"`
	Removed    []lineEntryJSON `json:"removed"`
	Missing    []string        `json:"missing"`
	Changed    bool            `json:"changed"`
	Effect     string          `json:"effect"`
	EffectText string          `json:"effect_text"`
}

func newListChangeJSON(f control.File, ch control.ListChange) listChangeJSON {
	return listChangeJSON{
		File:       f.Name,
		Added:      append([]string{}, ch.Added...),
		Present:    lineEntriesJSON(ch.Present),
		Fixed:      lineEntriesJSON(ch.Fixed),
		Removed:    lineEntriesJSON(ch.Removed),
		Missing:    append([]string{}, ch.Missing...),
		Changed:    ch.Changed,
		Effect:     f.Effect.String(),
		EffectText: f.EffectText(),
	}
}

// printListChange prints a change of a list file for people: one line per
// entry, then a summary with what the change needs to take effect.
func printListChange(w io.Writer, f control.File, ch control.ListChange) {
	for _, e := range ch.Added {
		fmt.Fprintf(w, "added        %s\n", visible(e))
	}
	for _, e := range ch.Fixed {
		fmt.Fprintf(w, "fixed        %s (line %d, which qmail could not match as written)\n", visible(e.Value), e.Line)
	}
	for _, e := range ch.Present {
		fmt.Fprintf(w, "present      %s (line %d)\n", visible(e.Value), e.Line)
	}
	for _, e := range ch.Removed {
		fmt.Fprintf(w, "removed      %s (line %d)\n", visible(e.Value), e.Line)
	}
	for _, e := range ch.Missing {
		fmt.Fprintf(w, "not found    %s\n", visible(e))
	}
	if ch.Changed {
		fmt.Fprintf(w, "%s: %s; %s\n", f.Name, ch.Summary(), f.EffectText())
	} else {
		fmt.Fprintf(w, "%s: unchanged (%s)\n", f.Name, ch.Summary())
	}
}

// writeListChange prints a list change in the chosen format.
func writeListChange(a *app, format string, f control.File, ch control.ListChange) error {
	if format == formatJSON {
		return writeJSON(a.stdout, newListChangeJSON(f, ch))
	}
	printListChange(a.stdout, f, ch)
	return nil
}

// change is what every command that changes control files starts from:
// the output format (plain lines for people and scripts, or JSON), the
// values given (with "-" read from stdin), and a context that bounds the
// wait for the control directory's lock.
type change struct {
	format string
	in     []inputValue
	ctx    context.Context
	cancel context.CancelFunc
}

// startChange checks --format, reads the values and starts the lock
// timeout; the caller defers ch.cancel().
func startChange(cmd *cobra.Command, a *app, args []string) (*change, error) {
	format, err := a.formatFor(formatPlain, formatPlain, formatJSON)
	if err != nil {
		return nil, err
	}
	in, err := readValues(a, args)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), lockWait)
	return &change{format: format, in: in, ctx: ctx, cancel: cancel}, nil
}

// lookupFile resolves a control file name given on the command line.
func lookupFile(cmd *cobra.Command, name string) (control.File, error) {
	f, ok := control.Lookup(name)
	if !ok {
		return f, asUsage(cmd, fmt.Errorf("%s is not a control file qq knows ('qq control list' shows them)", name))
	}
	return f, nil
}

// writableFile resolves a control file qq may write.
func writableFile(cmd *cobra.Command, name string) (control.File, error) {
	f, err := lookupFile(cmd, name)
	if err == nil && !f.Writable() {
		err = asUsage(cmd, fmt.Errorf("%s is built from morercpthosts: change morercpthosts with 'qq rcpthosts add --more' or 'qq rcpthosts rm', or run 'qq rcpthosts rebuild'", f.Name))
	}
	return f, err
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

// values returns the normalised values.
func values(vs []validated) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.value)
	}
	return out
}

// rawValues returns the values as given.
func rawValues(in []inputValue) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, v.value)
	}
	return out
}

// warnEmptyRcptHosts warns when rcpthosts exists without entries: then
// qmail-smtpd accepts no recipient at all from clients without
// RELAYCLIENT.
func warnEmptyRcptHosts(a *app, name string) {
	if name != "rcpthosts" {
		return
	}
	if control.RcptHostsEmpty(a.controlDir) {
		a.warnf("rcpthosts is now empty: qmail-smtpd rejects every recipient from clients without RELAYCLIENT")
	}
}

// guardCreate refuses, without --force, to create rcpthosts or locals
// where that changes what qmail does beyond the entries given
// ([control.CheckCreate]).
func guardCreate(a *app, name string, entries []string, force bool) error {
	risk, err := control.CheckCreate(a.controlDir, name, entries)
	switch {
	case err != nil || risk == nil || force:
		return err
	case risk.File == "locals":
		return fmt.Errorf("%w, or pass --force", risk)
	}
	return fmt.Errorf("%w, and pass --force", risk)
}
