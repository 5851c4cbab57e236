package main

import (
	"fmt"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/control"
	"github.com/spf13/cobra"
)

func newBadmailfromCmd(a *app) *cobra.Command { return newAddrListCmd(a, "badmailfrom") }

func newBadrcpttoCmd(a *app) *cobra.Command { return newAddrListCmd(a, "badrcptto") }

// newAddrListCmd builds qq badmailfrom or qq badrcptto, which share their
// subcommands: both files are matched by qmail-smtpd as whole addresses or
// @domain, against MAIL FROM or RCPT TO ([control.AddrListVerb]).
func newAddrListCmd(a *app, name string) *cobra.Command {
	verb := control.AddrListVerb(name)
	what := map[string]string{"FROM": "envelope sender", "TO": "recipient"}[verb]
	cmd := &cobra.Command{
		Use:     name,
		Short:   fmt.Sprintf("list, add, remove and check %ss qmail-smtpd rejects (control/%s)", what, name),
		GroupID: groupControl,
		Long:    fmt.Sprintf(longHelp("addr-list"), name, what, helpText("_addr-list-"+name), verb),
	}
	var regex bool
	add := leaf("add ADDR... | -", fmt.Sprintf("add entries to %s (lower-cased, de-duplicated, validated)", name), fmt.Sprintf(longHelp("addr-list-add"), name),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error { return runAddrListAdd(cmd, a, name, args, regex) })
	cmdutil.WithFormats(add, cmdutil.FormatPlain, plainFormats...)
	add.Flags().BoolVar(&regex, "regex", false, "entries are qregex regular expressions, not addresses")
	rm := leaf("rm ADDR... | -", fmt.Sprintf("remove entries from %s (ignoring case)", name), fmt.Sprintf(longHelp("addr-list-rm"), name),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error {
			return runControlEdit(cmd, a, name, args, false, false) // qq control unset NAME VALUE...
		})
	cmdutil.WithFormats(rm, cmdutil.FormatPlain, plainFormats...).Aliases = []string{"remove"}
	smtpCommand := map[string]string{"FROM": "MAIL FROM", "TO": "RCPT TO"}[verb]
	check := leaf("check ADDR... | -", fmt.Sprintf("say whether qmail-smtpd would reject an address as %s, and by which line", what),
		fmt.Sprintf(longHelp("addr-list-check"), name, smtpCommand, verb, control.AddrListReply(name)),
		cobra.MinimumNArgs(1), func(_ *cobra.Command, args []string) error {
			check := func(dir string, in []string) ([]control.AddrCheckView, []control.Notice, error) {
				return control.CheckAddrList(dir, name, in)
			}
			rejected := func(c control.AddrCheckView) bool { return c.Result == "rejected" }
			return runCheckInputs(a, args, check, []string{"INPUT", "PARSED", "RESULT", "LINE", "ENTRY"}, addrCheckRow, rejected)
		})
	list := leaf("list", fmt.Sprintf("list the entries of %s and flag lines that never match", name), fmt.Sprintf(longHelp("addr-list-list"), name),
		cobra.NoArgs, func(*cobra.Command, []string) error {
			return runListFile(a, func(dir string) (control.ListReport, error) { return control.ReadAddrList(dir, name) })
		})
	cmd.AddCommand(cmdutil.WithFormats(list, "", tableFormats...), add, rm, cmdutil.WithFormats(check, "", tableFormats...))
	return cmd
}

// addrCheckRow is the table row of an address checked against a list.
func addrCheckRow(c control.AddrCheckView) []any {
	line := ""
	if c.Line > 0 {
		line = fmt.Sprint(c.Line)
	}
	return []any{visible(c.Input), "<" + visible(c.Address) + ">", c.Result, line, visible(c.Entry)}
}

// runAddrListAdd adds validated, lower-cased entries to badmailfrom or
// badrcptto.
func runAddrListAdd(cmd *cobra.Command, a *app, name string, args []string, regex bool) error {
	in, ctx, cancel, err := changeInputs(cmd, a, args)
	if err != nil {
		return err
	}
	defer cancel()
	values, notes, err := validateInputs(a, cmd, in, func(v string) (string, []string, error) { return control.ValidateAddrEntry(name, v, regex) })
	if err != nil {
		return err
	}
	ch, warnings, err := control.AddAddrEntries(ctx, a.controlDir, name, values)
	showNotices(a, append(warnings, notes...))
	if err != nil {
		return controlError(cmd, err)
	}
	f, _ := control.Lookup(name)
	return writeChange(a, ch.View(f), ch.Lines(f, visible), nil)
}
