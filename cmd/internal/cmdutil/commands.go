package cmdutil

import (
	"fmt"
	"strings"

	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// FlagError is the root command's flag error function
// (cobra.Command.SetFlagErrorFunc): a flag pflag rejects is a usage error
// of cmd, with a "did you mean" when a flag is spelled close (SuggestFlag).
func FlagError(cmd *cobra.Command, err error) error {
	return &UsageError{CmdPath: cmd.CommandPath(), Err: SuggestFlag(cmd, err)}
}

// RejectUnknownSubcommands makes every command under cmd that only groups
// subcommands (qq control, qq svc, …) fail with exit 2 and a "did you
// mean" on an unknown subcommand, instead of printing its help and
// exiting 0: a typo in a cron job must not look like success. Without
// arguments such a command prints its help.
func RejectUnknownSubcommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return UnknownCommand(c, args[0])
		}
	}
	for _, sub := range cmd.Commands() {
		RejectUnknownSubcommands(sub)
	}
}

// UnknownCommand is the usage error for a subcommand cmd does not have,
// suggesting the available ones spelled close to name.
func UnknownCommand(cmd *cobra.Command, name string) error {
	err := fmt.Errorf("unknown command %q for %q", name, cmd.CommandPath())
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if s := ui.Closest(name, names); len(s) > 0 {
		err = fmt.Errorf("%w; did you mean %s?", err, ui.OrList(s))
	}
	return &UsageError{CmdPath: cmd.CommandPath(), Err: err}
}

// SuggestFlag adds a "did you mean" to pflag's unknown-flag error when a
// visible flag of cmd is spelled close to the one given (--sendr →
// --sender); other errors are returned as they are.
func SuggestFlag(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var names []string
	visit := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	near := ui.Closest(name, names)
	if len(near) == 0 {
		return err
	}
	for i := range near {
		near[i] = "--" + near[i]
	}
	return fmt.Errorf("%w; did you mean %s?", err, ui.OrList(near))
}

// WrapArgErrors turns cobra's positional-argument errors ("accepts 1
// arg(s)") of cmd and every command below it into usage errors, so that
// they exit 2 like flag errors.
func WrapArgErrors(cmd *cobra.Command) {
	if v := cmd.Args; v != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := v(c, args); err != nil {
				return &UsageError{CmdPath: c.CommandPath(), Err: err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		WrapArgErrors(sub)
	}
}
