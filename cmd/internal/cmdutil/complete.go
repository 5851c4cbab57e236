package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// VisitCommands calls fn for cmd and every command below it.
func VisitCommands(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, sub := range cmd.Commands() {
		VisitCommands(sub, fn)
	}
}

// RegisterFlagCompletions gives each flag of each command under root (its
// own flags, not the persistent ones) the completion that completion
// returns for the command and the flag's name; nil leaves the flag alone.
func RegisterFlagCompletions(root *cobra.Command, completion func(cmd *cobra.Command, flag string) cobra.CompletionFunc) {
	VisitCommands(root, func(cmd *cobra.Command) {
		cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if fn := completion(cmd, f.Name); fn != nil {
				_ = cmd.RegisterFlagCompletionFunc(f.Name, fn)
			}
		})
	})
}

// Fixed completes from a fixed list of values.
func Fixed(values []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return Prefixed(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteFormats completes --format with the values the command being
// completed offers (Formats).
func CompleteFormats(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return Prefixed(OfferedFormats(cmd), toComplete), cobra.ShellCompDirectiveNoFileComp
}

// Prefixed returns the values that start with prefix.
func Prefixed(values []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}

// DirsOnly lets the shell complete directory names only.
func DirsOnly(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}
