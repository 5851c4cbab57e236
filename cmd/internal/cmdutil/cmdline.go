package cmdutil

import (
	"slices"
	"strings"

	"github.com/qqmail/qq/cmd/internal/shell"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// visitGiven calls fn for each value of each flag of fs the command line
// gave, in pflag's order (sorted by name): once per element of a slice
// flag (a repeated --recipient), once with the flag's value otherwise. It
// is the one walker behind CommandLine and FilterArgs.
func visitGiven(fs *pflag.FlagSet, fn func(f *pflag.Flag, value string)) {
	fs.Visit(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				fn(f, v)
			}
			return
		}
		fn(f, f.Value.String())
	})
}

// isBool reports whether f is a switch, given without a value.
func isBool(f *pflag.Flag) bool { return f.Value.Type() == "bool" }

// CommandLine is cmd's command line as the user typed it, for a record of
// why something was done (the quarantine's): the command's path, every
// flag given as --name=value (a switch as --name), then args, each quoted
// for a shell where needed.
func CommandLine(cmd *cobra.Command, args []string) string {
	parts := []string{cmd.CommandPath()}
	visitGiven(cmd.Flags(), func(f *pflag.Flag, value string) {
		if isBool(f) {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name+"="+shell.Quote(value))
	})
	for _, a := range args {
		parts = append(parts, shell.Quote(a))
	}
	return strings.Join(parts, " ")
}

// FilterArgs returns part of cmd's command line as arguments for another
// command, so that it selects what cmd selected: the flags named in first
// that were given (in that order: where the data is), then the flags given
// that selecting has (in pflag's order), then args. A switch is written
// as --name when true and left out when false; a value is its own
// argument, not quoted.
func FilterArgs(cmd *cobra.Command, args []string, first []string, selecting *pflag.FlagSet) []string {
	var out []string
	for _, name := range first {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			out = append(out, "--"+name, f.Value.String())
		}
	}
	visitGiven(cmd.Flags(), func(f *pflag.Flag, value string) {
		if selecting.Lookup(f.Name) == nil || slices.Contains(first, f.Name) {
			return
		}
		switch {
		case !isBool(f):
			out = append(out, "--"+f.Name, value)
		case value == "true":
			out = append(out, "--"+f.Name)
		}
	})
	return append(out, args...)
}

// SelectionGiven reports whether any selecting argument or flag of cmd was
// given: an argument, or any of its own flags (not the inherited ones)
// but those named in except.
func SelectionGiven(cmd *cobra.Command, args []string, except ...string) bool {
	if len(args) > 0 {
		return true
	}
	given := false
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Changed && !slices.Contains(except, f.Name) {
			given = true
		}
	})
	return given
}
