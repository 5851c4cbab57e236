package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/control"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/cobra"
)

// flagValues are the fixed values of flags, by command path and flag name
// ("" as the path: the global flags).
var flagValues = map[[2]string][]string{
	{"", "color"}:                {"auto", "always", "never"},
	{"qq list", "sort"}:          {"age", "size", "sender", "id"},
	{"qq top", "sort"}:           {"count", "bytes", "name", "age"},
	{"qq metrics", "sender-key"}: {"sender", "sender-domain"},
}

// completionTimeout bounds the queue and quarantine reads a completion
// makes: a shell waits for it.
const completionTimeout = 2 * time.Second

// maxCompletions bounds how many message IDs or entries are offered.
const maxCompletions = 2000

// registerCompletions adds completion of values to the command tree:
// --format, --by and other fixed values, message IDs from the queue,
// control-file names, service directories and quarantine entries. A
// filter's value (an address, a regex, an age) is never a file name.
func registerCompletions(a *app, root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("format", cmdutil.CompleteFormats)
	for _, name := range locationFlags {
		_ = root.RegisterFlagCompletionFunc(name, cmdutil.DirsOnly)
	}
	_ = root.RegisterFlagCompletionFunc("color", cmdutil.Fixed(flagValues[[2]string{"", "color"}]))
	var keys []string
	for _, k := range report.Keys() {
		keys = append(keys, k.String())
	}
	byName := map[string]cobra.CompletionFunc{"by": cmdutil.Fixed(keys), "service": completeServices, "quarantine": cmdutil.DirsOnly, "log": cmdutil.DirsOnly}
	for _, d := range qmailqueue.Filters {
		if d.Kind != qmailqueue.FilterSwitch {
			byName[d.Name] = cobra.NoFileCompletions
		}
	}
	cmdutil.RegisterFlagCompletions(root, func(cmd *cobra.Command, flag string) cobra.CompletionFunc {
		if values := flagValues[[2]string{cmd.CommandPath(), flag}]; values != nil {
			return cmdutil.Fixed(values)
		}
		return byName[flag]
	})
	cmdutil.VisitCommands(root, func(cmd *cobra.Command) {
		if cmd.ValidArgsFunction != nil || len(cmd.ValidArgs) > 0 {
			return
		}
		switch cmd.CommandPath() {
		case "qq show", "qq list", "qq top", "qq stat", "qq expire":
			cmd.ValidArgsFunction = a.completeMessageIDs(false)
		case "qq rm":
			cmd.ValidArgsFunction = a.completeMessageIDs(true)
		case "qq control get", "qq control show", "qq control set", "qq control unset":
			cmd.ValidArgsFunction = completeControlFiles
		case "qq requeue", "qq quarantine purge", "qq quarantine list":
			cmd.ValidArgsFunction = a.completeQuarantineEntries
		default:
			if cmd.Parent() != nil && cmd.Parent().Name() == "svc" && cmd.Name() != "exec" {
				cmd.ValidArgsFunction = completeServices
			}
		}
	})
}

// completeServices offers the service directories found under the
// supervisors' usual roots (every one, qmail's first), and lets the shell
// complete other directories.
func completeServices(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, s := range svc.FindServices(svc.DefaultSearchDirs(), "") {
		if strings.HasPrefix(s.Dir, toComplete) {
			out = append(out, s.Dir)
		}
	}
	if len(out) == 0 {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeControlFiles offers the control files qq knows, with what each
// is for, as the first argument.
func completeControlFiles(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, f := range control.Files {
		if strings.HasPrefix(f.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(f.Name, f.Summary))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completionGlobals resolves the global options for a completion. cobra's
// __complete command runs the root's pre-run before it parses the command
// line being completed, so the directories derived then are dropped and
// derived again from the flags as they are now.
func (a *app) completionGlobals(cmd *cobra.Command) error {
	// The flags' values are the fields themselves (bound with StringVar):
	// what was derived is reset unless the flag was given.
	for name, dst := range map[string]*string{"qmail-dir": &a.qmailDir, "queue": &a.queueDir, "control-dir": &a.controlDir} {
		if f := cmd.Flags().Lookup(name); f == nil || !f.Changed {
			*dst = ""
		}
	}
	return a.resolveGlobals()
}

// completeMessageIDs offers the IDs of the messages in the queue that
// start with what is typed (and ALL for qq rm), reading only directory
// listings, within completionTimeout.
func (a *app) completeMessageIDs(all bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		if all && strings.HasPrefix("ALL", toComplete) && len(args) == 0 {
			out = append(out, "ALL")
		}
		if err := a.completionGlobals(cmd); err != nil {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		q, err := a.openQueue()
		if err != nil {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
		defer cancel()
		for _, id := range q.IDsWithPrefix(ctx, toComplete, maxCompletions-len(out)) {
			out = append(out, strconv.FormatUint(id, 10))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeQuarantineEntries offers the quarantine's runs and entries
// (RUN and RUN/ID).
func (a *app) completeQuarantineEntries(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if err := a.completionGlobals(cmd); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	flag := ""
	if f := cmd.Flags().Lookup("quarantine"); f != nil {
		flag = f.Value.String()
	}
	dir, err := a.quarantineDir(flag)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	entries, _, err := qmailqueue.LoadQuarantine(dir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := cmdutil.Prefixed(qmailqueue.EntryRefNames(entries), toComplete)
	return out[:min(len(out), maxCompletions)], cobra.ShellCompDirectiveNoFileComp
}
