package main

import (
	"errors"

	"github.com/spf13/cobra"
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
		Use:   "qq",
		Short: "inspect and repair qmail queues, manage qmail control files",
		Long: `qq inspects and repairs qmail mail queues and manages qmail's control files.

It reads the queue without changing it unless a command that changes
the queue is asked to; such commands stop qmail-send first and bring it
back afterwards.

GLOBAL ENVIRONMENT
  QQ_QMAIL_DIR   the qmail home when --qmail-dir is not given (default /var/qmail)
  QQ_LOG_DIR     qmail-send's log for qq log and qq show (default /var/log/qmail)
  QMAILQUEUE     the qmail-queue program qq requeue runs, as qmail honours it
  NO_COLOR       any non-empty value turns colour off
  QQ_NOW         an RFC 3339 time to use as now (for reproducible output)

` + exitStatusHelp,
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.resolveGlobals()
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{cmdPath: cmd.CommandPath(), err: err}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.qmailDir, "qmail-dir", "", "qmail home `DIR` (default $QQ_QMAIL_DIR or /var/qmail)")
	pf.StringVar(&a.queueDir, "queue", "", "queue `DIR` (default <qmail-dir>/queue)")
	pf.StringVar(&a.controlDir, "control-dir", "", "control `DIR` (default <qmail-dir>/control)")
	pf.StringVar(&a.format, "format", "", "output `FORMAT` (each command lists the ones it offers)")
	pf.StringVar(&a.colorMode, "color", "auto", "colour: auto, always or never")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print no warnings or progress")

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
	registerCompletions(a, root)
	return root
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
