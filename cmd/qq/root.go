package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=…"; VCS
// stamping is off on our build machines.
var version = "dev"

// Command groups shown in the help.
const (
	groupQueue   = "queue"
	groupControl = "control"
	groupService = "service"
)

// newRootCmd builds the whole command tree. There are no package-level
// command variables and no init(): every command is made by its constructor.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "qq",
		Short:         "inspect and repair qmail queues, manage qmail control files",
		Long:          longHelp("root"),
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.resolveGlobals()
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{cmdPath: cmd.CommandPath(), err: suggestFlag(cmd, err)}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.qmailDir, "qmail-dir", "", "qmail home `DIR` (default $QQ_QMAIL_DIR or /var/qmail)")
	pf.StringVar(&a.queueDir, "queue", "", "queue `DIR` (default <qmail-dir>/queue)")
	pf.StringVar(&a.controlDir, "control-dir", "", "control `DIR` (default <qmail-dir>/control)")
	pf.StringVar(&a.format, "format", "", "output `FORMAT` (each command lists the ones it offers)")
	pf.StringVar(&a.colorMode, "color", "auto", "colour: auto, always or never")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print no warnings or progress")
	pf.BoolVar(&a.wide, "wide", false, "do not cut tables to the terminal's width")
	pf.BoolVar(&a.noPager, "no-pager", false, "do not page output on a terminal")

	root.AddGroup(
		&cobra.Group{ID: groupQueue, Title: "Queue commands:"},
		&cobra.Group{ID: groupControl, Title: "Control-file commands:"},
		&cobra.Group{ID: groupService, Title: "Service and log commands:"},
	)
	for _, c := range []*cobra.Command{
		// One line per command; keep them sorted by name.
		newBadmailfromCmd(a),
		newBadrcpttoCmd(a),
		newCheckCmd(a),
		newControlCmd(a),
		newExpireCmd(a),
		newFsckCmd(a),
		newGenDocsCmd(),
		newListCmd(a),
		newLogCmd(a),
		newMetricsCmd(a),
		newQuarantineCmd(a),
		newRcpthostsCmd(a),
		newRequeueCmd(a),
		newRetryCmd(a),
		newRmCmd(a),
		newShapeCmd(a),
		newBrowseCmd(a),
		newShowCmd(a),
		newStatCmd(a),
		newSvcCmd(a),
		newTai64nCmd(a),
		newTai64nlocalCmd(a),
		newTopCmd(a),
	} {
		root.AddCommand(c)
	}
	wrapArgErrors(root)
	rejectUnknownSubcommands(root)
	registerCompletions(a, root)
	return root
}

// rejectUnknownSubcommands makes every command that only groups
// subcommands (qq control, qq svc, …) fail with exit 2 and a "did you
// mean" on an unknown subcommand, instead of printing its help and
// exiting 0: a typo in a cron job must not look like success. Without
// arguments such a command prints its help.
func rejectUnknownSubcommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownCommand(c, args[0])
		}
	}
	for _, sub := range cmd.Commands() {
		rejectUnknownSubcommands(sub)
	}
}

// unknownCommand is the usage error for a subcommand cmd does not have.
func unknownCommand(cmd *cobra.Command, name string) error {
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
	return &usageError{cmdPath: cmd.CommandPath(), err: err}
}

// suggestFlag adds a "did you mean" to pflag's unknown-flag error when a
// flag of cmd is spelled close to the one given (--sendr → --sender).
func suggestFlag(cmd *cobra.Command, err error) error {
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

// wrapArgErrors turns cobra's positional-argument errors ("accepts 1 arg(s)")
// into usage errors, so they exit 2 like flag errors.
func wrapArgErrors(cmd *cobra.Command) {
	if v := cmd.Args; v != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := v(c, args); err != nil {
				return &usageError{cmdPath: c.CommandPath(), err: err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		wrapArgErrors(sub)
	}
}

// asUsage marks err as a usage error of cmd (exit 2), unless it already is one.
func asUsage(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) {
		ue.cmdPath = cmd.CommandPath()
		return err
	}
	return &usageError{cmdPath: cmd.CommandPath(), err: err}
}
