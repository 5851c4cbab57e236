package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
	if s := closest(name, names); len(s) > 0 {
		err = fmt.Errorf("%w; did you mean %s?", err, orList(s))
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
	near := closest(name, names)
	if len(near) == 0 {
		return err
	}
	for i := range near {
		near[i] = "--" + near[i]
	}
	return fmt.Errorf("%w; did you mean %s?", err, orList(near))
}

// closest returns the names nearest to typed: those at the smallest edit
// distance, if it is at most 2 and less than typed's length, and those
// that typed begins (a shortened name), sorted.
func closest(typed string, names []string) []string {
	typed = strings.ToLower(typed)
	limit := min(2, len(typed)-1)
	best := limit + 1
	var near []string
	for _, n := range names {
		d := editDistance(typed, strings.ToLower(n))
		switch {
		case d > limit:
		case d < best:
			best, near = d, []string{n}
		case d == best:
			near = append(near, n)
		}
	}
	for _, n := range names {
		if len(typed) > 1 && strings.HasPrefix(n, typed) {
			near = append(near, n)
		}
	}
	slices.Sort(near)
	return slices.Compact(near)
}

// orList joins suggestions: "set", "set" or "get", "a", "b" or "c".
func orList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
		if strings.HasPrefix(v, "--") {
			q[i] = v
		}
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (flag names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
