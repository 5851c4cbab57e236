package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/cobra"
)

const formatSvstat = "svstat" // daemontools svstat's lines, byte for byte

// newSvcCmd builds "qq svc" and its subcommands.
func newSvcCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "svc",
		Short:   "drive the supervisor of qmail's services (daemontools, runit, s6)",
		GroupID: groupService,
		Long:    longHelp("svc"),
	}
	cmd.AddCommand(newSvcStatusCmd(a), newSvcExecCmd(a))
	for _, c := range svc.Commands {
		cmd.AddCommand(newSvcControlCmd(a, c))
	}
	return cmd
}

// reportAll prints every error as one "qq: …" line and ends the command with
// the most serious exit code among them (111 over 3 over the rest).
func (a *app) reportAll(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return svcErr(errs[0])
	}
	code := cmdutil.ExitOK
	for _, err := range errs {
		fmt.Fprintf(a.stderr, "qq: %v\n", err)
		c := cmdutil.ExitStatus(svcErr(err))
		if c == cmdutil.ExitTempFail || (code != cmdutil.ExitTempFail && c > code) {
			code = c
		}
	}
	return &cmdutil.SilentError{Code: code}
}

// --- qq svc status -------------------------------------------------------

type svcStatusOptions struct {
	services []string
}

func newSvcStatusCmd(a *app) *cobra.Command {
	opts := &svcStatusOptions{}
	return &cobra.Command{
		Use:         "status [SERVICE...]",
		Short:       "show whether services are up, like svstat",
		Long:        longHelp("svc-status"),
		Annotations: cmdutil.Formats("", cmdutil.FormatTable, cmdutil.FormatPlain, cmdutil.FormatJSON, formatSvstat),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			return runSvcStatus(cmd.Context(), a, opts)
		},
	}
}

// finder finds services for every command, honouring $SUPERVISEDIR as
// daemontools-encore does.
func (a *app) finder() *svc.Finder {
	return &svc.Finder{SuperviseDir: a.getenv("SUPERVISEDIR")}
}

// existingService turns a service argument (DIR, NAME or
// DIR=SUPERVISEDIR) into a Service whose directory exists; an argument
// without a directory is a usage error.
func (a *app) existingService(arg string) (*svc.Service, error) {
	s, err := a.finder().ExistingService(arg)
	return s, serviceArgErr(err)
}

// serviceArgErr makes a service argument without a directory a usage
// error; other errors stay as they are.
func serviceArgErr(err error) error {
	if errors.Is(err, svc.ErrNoDir) {
		return cmdutil.UsageErrorf("%v", err)
	}
	return err
}

func runSvcStatus(ctx context.Context, a *app, opts *svcStatusOptions) error {
	format := a.output
	services, err := a.finder().ServicesFor(opts.services)
	if err != nil {
		return serviceArgErr(err)
	}
	now := a.now()
	reports, errs := svc.ProbeAll(services)
	switch format {
	case formatSvstat:
		if err := svc.WriteSvstat(a.stdout, services, now); err != nil {
			return err
		}
	case cmdutil.FormatJSON:
		for _, r := range reports {
			if err := writeJSON(a.stdout, r.View(now)); err != nil {
				return err
			}
		}
	case cmdutil.FormatPlain:
		var b strings.Builder
		b.WriteString("service\tstate\tpid\tseconds\twant\tnormally\tpaused\tsupervisor\n")
		for _, r := range reports {
			v := r.View(now)
			fmt.Fprintf(&b, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", v.Service, v.State, v.Pid, v.Seconds,
				dash(v.Want), v.Normally(), yesNo(v.Paused), dash(v.Supervisor))
		}
		if _, err := io.WriteString(a.stdout, b.String()); err != nil {
			return err
		}
	default:
		t := a.newTable(a.stdout, col{Name: "SERVICE", Min: 12}, col{Name: "STATE"}, col{Name: "PID"}, col{Name: "FOR"},
			col{Name: "WANT", Drop: 2}, col{Name: "NORMALLY", Drop: 3}, col{Name: "NOTES", Min: 8}, col{Name: "SUPERVISOR", Min: 8, Drop: 1})
		for _, r := range reports {
			v := r.View(now)
			pid, age := "", ""
			if v.Pid != 0 {
				pid = strconv.Itoa(v.Pid)
			}
			if v.Since != "" {
				age = qmailqueue.FormatAge(time.Duration(v.Seconds) * time.Second)
			}
			t.row(v.Service, a.svcStateCell(v.State, r.Status.Paused), pid, age, v.Want, v.Normally(), strings.Join(r.Notes(), ", "), v.Supervisor)
		}
		if err := t.render(); err != nil {
			return err
		}
	}
	return a.reportAll(errs)
}

// svcStateCell colours a service's state: up green (yellow when paused),
// down, stopping and errors red.
func (a *app) svcStateCell(state string, paused bool) cell {
	switch {
	case state == "up" && paused:
		return a.paint(state, ui.Warn)
	case state == "up":
		return a.paint(state, ui.Good)
	case state == "unsupervised":
		return a.paint(state, ui.Warn)
	}
	return a.paint(state, ui.Bad)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// --- qq svc up|down|once|pause|cont|hup|alarm|interrupt|term|kill|exit ---

type svcControlOptions struct {
	control  svc.Command
	services []string
	wait     bool
	timeout  time.Duration
}

func newSvcControlCmd(a *app, c svc.Command) *cobra.Command {
	opts := &svcControlOptions{control: c}
	cmd := &cobra.Command{
		Use:   c.Name + " SERVICE...",
		Short: c.Doc,
		Long:  fmt.Sprintf(longHelp("svc-control"), c.Name, c.Letter, c.Letter),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			return runSvcControl(cmd.Context(), a, opts)
		},
	}
	if c.CanWait {
		cmd.Long += fmt.Sprintf(`

With --wait, qq then waits, at most --timeout, until for every service
%s.`, c.WaitsUntil())
		cmd.Flags().BoolVar(&opts.wait, "wait", false, "wait until the services are "+c.Name)
		cmdutil.DurationFlag(cmd.Flags(), &opts.timeout, "timeout", svc.DefaultTimeout, "how long --wait waits")
	}
	return cmd
}

func runSvcControl(ctx context.Context, a *app, opts *svcControlOptions) error {
	if opts.timeout < 0 || (opts.wait && opts.timeout == 0) {
		return cmdutil.UsageErrorf("--timeout must be positive, not %s", opts.timeout)
	}
	services, err := a.finder().ServicesFor(opts.services)
	if err != nil {
		return serviceArgErr(err)
	}
	errs := svc.Control(ctx, services, opts.control.Letter, opts.wait, opts.timeout)
	return a.reportAll(errs)
}

// --- qq svc exec -----------------------------------------------------------

type svcExecOptions struct {
	maint maintenanceFlags
	argv  []string
}

func newSvcExecCmd(a *app) *cobra.Command {
	opts := &svcExecOptions{}
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND [ARG...]",
		Short: "run a command with qmail-send verified stopped",
		Long:  longHelp("svc-exec"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.argv = args
			return runSvcExec(cmd.Context(), a, opts)
		},
	}
	opts.maint.addFlags(cmd.Flags())
	return cmd
}

func runSvcExec(ctx context.Context, a *app, opts *svcExecOptions) error {
	m, err := opts.maint.build(a)
	if err != nil {
		return err
	}
	err = m.Run(ctx, func(ctx context.Context) error {
		err := svc.Exec(ctx, opts.argv, a.stdin, a.stdout, a.stderr)
		var ee *svc.ExitError
		if errors.As(err, &ee) {
			// qq exits with the command's status; the services are
			// restored as after any failed change, even with --keep-down.
			return cmdutil.WithCode(ee.Code, err)
		}
		return err
	})
	return opts.maint.explain(err)
}
