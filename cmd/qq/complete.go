package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/control"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandFormats lists the --format values each command offers, for
// completion; TestCompletionFormats checks it against what each command
// accepts.
var commandFormats = map[string][]string{
	"qq badmailfrom add":   {formatPlain, formatJSON},
	"qq badmailfrom rm":    {formatPlain, formatJSON},
	"qq badrcptto add":     {formatPlain, formatJSON},
	"qq badrcptto rm":      {formatPlain, formatJSON},
	"qq control set":       {formatPlain, formatJSON},
	"qq control unset":     {formatPlain, formatJSON},
	"qq rcpthosts add":     {formatPlain, formatJSON},
	"qq rcpthosts rebuild": {formatPlain, formatJSON},
	"qq rcpthosts rm":      {formatPlain, formatJSON},
	"qq badmailfrom list":  {formatTable, formatPlain, formatJSON},
	"qq badmailfrom check": {formatTable, formatPlain, formatJSON},
	"qq badrcptto list":    {formatTable, formatPlain, formatJSON},
	"qq badrcptto check":   {formatTable, formatPlain, formatJSON},
	"qq check":             {"nagios"},
	"qq control list":      {formatTable, formatPlain, formatJSON},
	"qq control show":      {formatTable, formatPlain, formatJSON},
	"qq control get":       {formatPlain, formatJSON},
	"qq expire":            {formatPlain, formatJSON},
	"qq fsck":              {formatTable, formatPlain, formatJSON},
	"qq list":              {formatTable, formatPlain, formatJSON, "ids", "qread"},
	"qq log":               {formatPlain, formatJSON},
	"qq log summary":       {formatTable, formatPlain, formatJSON},
	"qq log trace":         {formatPlain, formatJSON},
	"qq metrics":           {"prometheus"},
	"qq quarantine list":   {formatTable, formatPlain, formatJSON},
	"qq rcpthosts list":    {formatTable, formatPlain, formatJSON},
	"qq rcpthosts check":   {formatTable, formatPlain, formatJSON},
	"qq requeue":           {formatPlain, formatJSON},
	"qq rm":                {formatPlain, formatJSON},
	"qq shape":             {formatTable, formatPlain, formatJSON},
	"qq show":              {"text", formatJSON},
	"qq stat":              {formatTable, formatPlain, formatJSON, "qstat"},
	"qq svc status":        {formatTable, formatPlain, formatJSON, formatSvstat},
	"qq top":               {formatTable, formatPlain, formatJSON, "ids", "rm"},
}

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
	_ = root.RegisterFlagCompletionFunc("format", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return prefixed(commandFormats[cmd.CommandPath()], toComplete), cobra.ShellCompDirectiveNoFileComp
	})
	for _, name := range []string{"qmail-dir", "queue", "control-dir"} {
		_ = root.RegisterFlagCompletionFunc(name, dirsOnly)
	}
	_ = root.RegisterFlagCompletionFunc("color", fixed(flagValues[[2]string{"", "color"}]))
	var keys []string
	for _, k := range report.Keys() {
		keys = append(keys, k.String())
	}
	byName := map[string]cobra.CompletionFunc{"by": fixed(keys), "service": completeServices, "quarantine": dirsOnly, "log": dirsOnly}
	for _, d := range qmailqueue.Filters {
		if d.Kind != qmailqueue.FilterSwitch {
			byName[d.Name] = cobra.NoFileCompletions
		}
	}
	visitCommands(root, func(cmd *cobra.Command) {
		path := cmd.CommandPath()
		cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			fn := byName[f.Name]
			if values := flagValues[[2]string{path, f.Name}]; values != nil {
				fn = fixed(values)
			}
			if fn != nil {
				_ = cmd.RegisterFlagCompletionFunc(f.Name, fn)
			}
		})
		if cmd.ValidArgsFunction != nil || len(cmd.ValidArgs) > 0 {
			return
		}
		switch path {
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

// visitCommands calls fn for cmd and every command below it.
func visitCommands(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, sub := range cmd.Commands() {
		visitCommands(sub, fn)
	}
}

// fixed completes from a fixed list of values.
func fixed(values []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return prefixed(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// prefixed returns the values that start with prefix.
func prefixed(values []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}

func dirsOnly(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
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
	out := prefixed(qmailqueue.EntryRefNames(entries), toComplete)
	return out[:min(len(out), maxCompletions)], cobra.ShellCompDirectiveNoFileComp
}
