package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/qqmail/qq/control"
	"github.com/spf13/cobra"
)

// addrListSpec describes badmailfrom or badrcptto, which share their
// commands: both are matched by qmail-smtpd as whole addresses or @domain.
type addrListSpec struct {
	name   string // the control file
	verb   string // the SMTP parameter the address comes from: FROM or TO
	what   string // "envelope sender" or "recipient"
	reply  string // qmail-smtpd's answer when it matches
	origin string // a paragraph on where the feature comes from
}

var badmailfromSpec = addrListSpec{
	name:  "badmailfrom",
	verb:  "FROM",
	what:  "envelope sender",
	reply: control.AddrListReply("badmailfrom"),
	origin: `control/badmailfrom is stock qmail: qmail-smtpd reads it at the start
of every SMTP connection, so a change takes effect on the next
connection, no restart needed. A matching sender gets "250 ok" for MAIL
and then "553 sorry, your envelope sender is in my badmailfrom list
(#5.7.1)" for every RCPT.`,
}

var badrcpttoSpec = addrListSpec{
	name:  "badrcptto",
	verb:  "TO",
	what:  "recipient",
	reply: control.AddrListReply("badrcptto"),
	origin: `control/badrcptto is NOT stock qmail: it comes from the widespread
badrcptto patch (in netqmail-based distributions, qmail-toaster,
indimail, and notqmail's rcptcheck branch). Without the patch
qmail-smtpd ignores the file. With it, qmail-smtpd reads the file at the
start of every SMTP connection, so a change takes effect on the next
connection, no restart needed, and answers a matching RCPT with "553
sorry, mail to that recipient is not accepted (#5.7.1)".`,
}

func newBadmailfromCmd(a *app) *cobra.Command { return newAddrListCmd(a, badmailfromSpec) }

func newBadrcpttoCmd(a *app) *cobra.Command { return newAddrListCmd(a, badrcpttoSpec) }

func newAddrListCmd(a *app, spec addrListSpec) *cobra.Command {
	cmd := &cobra.Command{
		Use:     spec.name,
		Short:   fmt.Sprintf("list, add, remove and check %ss qmail-smtpd rejects (control/%s)", spec.what, spec.name),
		GroupID: groupControl,
		Long:    fmt.Sprintf(longHelp("addr-list"), spec.name, spec.what, spec.origin, spec.verb),
	}
	cmd.AddCommand(newAddrListListCmd(a, spec), newAddrListAddCmd(a, spec), newAddrListRmCmd(a, spec), newAddrListCheckCmd(a, spec))
	return cmd
}

// warnRegexLines warns when the file holds lines that look like qregex
// regular expressions, and says how many.
func warnRegexLines(a *app, spec addrListSpec, lines []control.Line) {
	if n, first := control.RegexLines(lines); n > 0 {
		a.warnf("%s has %d line(s) that look like regular expressions (first: line %d): the qregex patch? qq keeps them as written, and its checks follow stock qmail-smtpd, which matches them literally", spec.name, n, first)
	}
}

// readAddrLines reads and analyses the list file; exists is false when it
// is absent.
func readAddrLines(a *app, spec addrListSpec) (lines []control.Line, exists bool, err error) {
	data, exists, err := control.ReadFile(a.controlDir, spec.name)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", spec.name, err)
	}
	return control.AnalyzeAddrList(data), exists, nil
}

// ---- list ---------------------------------------------------------------

type addrListListOptions struct {
	spec addrListSpec
}

func newAddrListListCmd(a *app, spec addrListSpec) *cobra.Command {
	opts := addrListListOptions{spec: spec}
	return &cobra.Command{
		Use:   "list",
		Short: fmt.Sprintf("list the entries of %s and flag lines that never match", spec.name),
		Long:  fmt.Sprintf(longHelp("addr-list-list"), spec.name),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAddrListList(cmd.Context(), a, opts)
		},
	}
}

type listLineJSON struct {
	Line         int           `json:"line"`
	Entry        string        `json:"entry"`
	Text         string        `json:"text"`
	Regex        bool          `json:"regex"`
	NeverMatches bool          `json:"never_matches"`
	Problems     []problemJSON `json:"problems"`
}

type problemJSON struct {
	Code  string `json:"code"`
	Text  string `json:"text"`
	Never bool   `json:"never_matches"`
}

func newListLineJSON(l control.Line) listLineJSON {
	v := listLineJSON{Line: l.Number, Entry: l.Entry, Text: l.Text, Regex: l.Regex, NeverMatches: l.NeverMatches(), Problems: []problemJSON{}}
	for _, p := range l.Problems {
		v.Problems = append(v.Problems, problemJSON{Code: p.Code, Text: p.Text, Never: p.Never})
	}
	return v
}

func runAddrListList(_ context.Context, a *app, opts addrListListOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	lines, exists, err := readAddrLines(a, opts.spec)
	if err != nil {
		return err
	}
	if !exists {
		f, _ := control.Lookup(opts.spec.name)
		noteControl(a, "control/%s does not exist: %s", opts.spec.name, f.Absent)
	}
	warnRegexLines(a, opts.spec, lines)
	return writeLines(a, format, nil, lines)
}

// writeLines prints analysed list lines; with files set (one name per
// line), a FILE column (or field) comes first.
func writeLines(a *app, format string, files []string, lines []control.Line) error {
	if format == formatJSON {
		for i, l := range lines {
			v := newListLineJSON(l)
			var err error
			if files != nil {
				err = writeJSON(a.stdout, struct {
					File string `json:"file"`
					listLineJSON
				}{files[i], v})
			} else {
				err = writeJSON(a.stdout, v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	header := []any{"LINE", "ENTRY", "PROBLEMS"}
	if files != nil {
		header = append([]any{"FILE"}, header...)
	}
	var rows [][]any
	for i, l := range lines {
		r := []any{l.Number, visible(l.Entry), l.ProblemText()}
		if files != nil {
			r = append([]any{files[i]}, r...)
		}
		rows = append(rows, r)
	}
	return writeRows(a, format, header, rows)
}

// ---- add ----------------------------------------------------------------

type addrListAddOptions struct {
	spec  addrListSpec
	args  []string
	regex bool
}

func newAddrListAddCmd(a *app, spec addrListSpec) *cobra.Command {
	opts := addrListAddOptions{spec: spec}
	cmd := &cobra.Command{
		Use:   "add ADDR... | -",
		Short: fmt.Sprintf("add entries to %s (lower-cased, de-duplicated, validated)", spec.name),
		Long:  fmt.Sprintf(longHelp("addr-list-add"), spec.name),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runAddrListAdd(cmd, a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.regex, "regex", false, "entries are qregex regular expressions, not addresses")
	return cmd
}

func runAddrListAdd(cmd *cobra.Command, a *app, opts addrListAddOptions) error {
	chg, err := startChange(cmd, a, opts.args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	spec := opts.spec
	in := chg.in
	check := func(v string) (string, []string, error) { return control.ValidateAddrEntry(spec.name, v, opts.regex) }
	hint := func(err error) string {
		if !opts.regex && strings.Contains(err.Error(), "regular expressions") {
			return "if qmail-smtpd has the qregex patch, add it with --regex"
		}
		return ""
	}
	vs, err := validateValues(a, cmd, in, check, hint)
	if err != nil {
		return err
	}
	lines, _, err := readAddrLines(a, spec)
	if err != nil {
		return err
	}
	warnRegexLines(a, spec, lines)
	printNotes(a, vs)
	ch, err := control.AddToList(ctx, a.controlDir, spec.name, values(vs))
	if err != nil {
		return controlError(cmd, err)
	}
	f, _ := control.Lookup(spec.name)
	return writeListChange(a, format, f, ch)
}

// ---- rm -----------------------------------------------------------------

type addrListRmOptions struct {
	spec addrListSpec
	args []string
}

func newAddrListRmCmd(a *app, spec addrListSpec) *cobra.Command {
	opts := addrListRmOptions{spec: spec}
	return &cobra.Command{
		Use:     "rm ADDR... | -",
		Aliases: []string{"remove"},
		Short:   fmt.Sprintf("remove entries from %s (ignoring case)", spec.name),
		Long:    fmt.Sprintf(longHelp("addr-list-rm"), spec.name),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runAddrListRm(cmd, a, opts)
		},
	}
}

func runAddrListRm(cmd *cobra.Command, a *app, opts addrListRmOptions) error {
	chg, err := startChange(cmd, a, opts.args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	in := chg.in
	ch, err := control.RemoveFromList(ctx, a.controlDir, opts.spec.name, rawValues(in))
	if err != nil {
		return controlError(cmd, err)
	}
	f, _ := control.Lookup(opts.spec.name)
	if err := writeListChange(a, format, f, ch); err != nil {
		return err
	}
	if len(ch.Removed) == 0 {
		return errNothingMatched
	}
	return nil
}

// ---- check --------------------------------------------------------------

type addrListCheckOptions struct {
	spec addrListSpec
	args []string
}

func newAddrListCheckCmd(a *app, spec addrListSpec) *cobra.Command {
	opts := addrListCheckOptions{spec: spec}
	return &cobra.Command{
		Use:   "check ADDR... | -",
		Short: fmt.Sprintf("say whether qmail-smtpd would reject an address as %s, and by which line", spec.what),
		Long:  fmt.Sprintf(longHelp("addr-list-check"), spec.name, map[string]string{"FROM": "MAIL FROM", "TO": "RCPT TO"}[spec.verb], spec.verb, spec.reply),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runAddrListCheck(cmd.Context(), a, opts)
		},
	}
}

type checkJSON struct {
	Input   string `json:"input"`
	Address string `json:"address"`
	Result  string `json:"result"`
	Line    int    `json:"line"`
	Entry   string `json:"entry"`
	Reply   string `json:"reply"`
}

func runAddrListCheck(_ context.Context, a *app, opts addrListCheckOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	spec := opts.spec
	in, err := readValues(a, opts.args)
	if err != nil {
		return err
	}
	data, exists, err := control.ReadFile(a.controlDir, spec.name)
	if err != nil {
		return fmt.Errorf("read %s: %w", spec.name, err)
	}
	if !exists {
		f, _ := control.Lookup(spec.name)
		noteControl(a, "control/%s does not exist: %s", spec.name, f.Absent)
	}
	warnRegexLines(a, spec, control.AnalyzeAddrList(data))
	lip, err := control.ReadLocalIP(a.controlDir)
	if err != nil {
		return err
	}
	list := control.NewAddrList(control.ParseList(data))
	var rows [][]any
	allRejected := true
	for _, v := range in {
		c := list.Check(v.value, spec.verb, lip)
		res := checkJSON{Input: v.value, Address: c.Address, Result: c.Result(), Reply: c.Reply(spec.name)}
		if c.Rejected && !c.SyntaxError {
			res.Line, res.Entry = c.Entry.Line, c.Entry.Key
		}
		if res.Result != "rejected" {
			allRejected = false
		}
		if format == formatJSON {
			if err := writeJSON(a.stdout, res); err != nil {
				return err
			}
			continue
		}
		line := ""
		if res.Line > 0 {
			line = fmt.Sprint(res.Line)
		}
		rows = append(rows, []any{visible(res.Input), "<" + visible(res.Address) + ">", res.Result, line, visible(res.Entry)})
	}
	if format != formatJSON {
		if err := writeRows(a, format, []any{"INPUT", "PARSED", "RESULT", "LINE", "ENTRY"}, rows); err != nil {
			return err
		}
	}
	if !allRejected {
		return errNothingMatched
	}
	return nil
}
