package main

import (
	"github.com/qqmail/qq/cmd/internal/cmdutil"
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
		Use:           "qq",
		Short:         "inspect and repair qmail queues, manage qmail control files",
		Long:          longHelp("root"),
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := a.resolveGlobals(); err != nil {
				return err
			}
			return a.chooseFormat(cmd)
		},
	}
	root.SetFlagErrorFunc(cmdutil.FlagError)
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
	cmdutil.WrapArgErrors(root)
	cmdutil.RejectUnknownSubcommands(root)
	registerCompletions(a, root)
	return root
}

// locationFlags are the global flags that say where qmail's files are: a
// command line handed to another qq command keeps them (qq top --format rm).
var locationFlags = []string{"qmail-dir", "queue", "control-dir"}
