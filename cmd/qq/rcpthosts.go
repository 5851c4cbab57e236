package main

import (
	"context"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/control"
	"github.com/spf13/cobra"
)

func newRcpthostsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "rcpthosts",
		Short:   "list, add, remove and check the domains qmail-smtpd accepts mail for",
		GroupID: groupControl,
		Long:    longHelp("rcpthosts"),
	}
	var more, force bool
	add := leaf("add DOMAIN... | -", "add domains to rcpthosts (or --more: morercpthosts, rebuilding the cdb)", longHelp("rcpthosts-add"),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error { return runRcpthostsAdd(cmd, a, args, more, force) })
	cmdutil.WithFormats(add, cmdutil.FormatPlain, plainFormats...)
	add.Flags().BoolVar(&more, "more", false, "add to morercpthosts (for long lists) and rebuild morercpthosts.cdb")
	add.Flags().BoolVar(&force, "force", false, "allow creating rcpthosts (which stops accepting mail for every unlisted domain)")
	rm := leaf("rm DOMAIN... | -", "remove domains from rcpthosts and morercpthosts", longHelp("rcpthosts-rm"),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error { return runRcpthostsRm(cmd, a, args) })
	cmdutil.WithFormats(rm, cmdutil.FormatPlain, plainFormats...).Aliases = []string{"remove"}
	cmd.AddCommand(
		cmdutil.WithFormats(leaf("list", "list rcpthosts and morercpthosts entries and flag lines that never match", longHelp("rcpthosts-list"),
			cobra.NoArgs, func(*cobra.Command, []string) error { return runListFile(a, control.ReadRcptHostsList) }), "", tableFormats...),
		add, rm,
		cmdutil.WithFormats(leaf("check DOMAIN|ADDR... | -", "say whether qmail-smtpd accepts mail for a domain or address, and why", longHelp("rcpthosts-check"),
			cobra.MinimumNArgs(1), func(_ *cobra.Command, args []string) error {
				accepted := func(c control.RcptCheck) bool { return c.Accepted }
				return runCheckInputs(a, args, control.CheckRcptHosts, []string{"INPUT", "DOMAIN", "RESULT", "BY"}, rcptCheckRow, accepted)
			}), "", tableFormats...),
		cmdutil.WithFormats(leaf("rebuild", "rebuild morercpthosts.cdb from morercpthosts, as qmail-newmrh does", longHelp("rcpthosts-rebuild"),
			cobra.NoArgs, func(cmd *cobra.Command, _ []string) error { return runRcpthostsRebuild(cmd, a) }), cmdutil.FormatPlain, plainFormats...))
	return cmd
}

// rcptCheckRow is the table row of a domain or address checked against
// rcpthosts.
func rcptCheckRow(c control.RcptCheck) []any {
	result := "rejected"
	if c.Accepted {
		result = "accepted"
	}
	return []any{visible(c.Input), visible(c.Domain), result, c.Why()}
}

// runRcpthostsAdd adds validated domains to rcpthosts or morercpthosts,
// leaving out those the other file lists.
func runRcpthostsAdd(cmd *cobra.Command, a *app, args []string, more, force bool) error {
	in, ctx, cancel, err := changeInputs(cmd, a, args)
	if err != nil {
		return err
	}
	defer cancel()
	target := "rcpthosts"
	if more {
		target = "morercpthosts"
	}
	values, _, err := validateInputs(a, cmd, in, func(v string) (string, []string, error) { return control.Validate(target, v) })
	if err != nil {
		return err
	}
	added, err := control.AddRcptHosts(ctx, a.controlDir, more, force, values)
	if err != nil {
		return controlError(cmd, err)
	}
	if a.output == cmdutil.FormatJSON {
		return writeJSON(a.stdout, added.View())
	}
	return writeChange(a, nil, added.Lines(visible), added.Notices)
}

// runRcpthostsRm removes domains from rcpthosts and morercpthosts.
func runRcpthostsRm(cmd *cobra.Command, a *app, args []string) error {
	in, ctx, cancel, err := changeInputs(cmd, a, args)
	if err != nil {
		return err
	}
	defer cancel()
	r, err := control.RemoveRcptHosts(ctx, a.controlDir, control.InputValues(in))
	if err != nil {
		return controlError(cmd, err)
	}
	if err := writeChange(a, r.View(), r.Lines(visible), r.Notices); err != nil {
		return err
	}
	if r.Removed() == 0 {
		return cmdutil.ErrNothingMatched
	}
	return nil
}

// runRcpthostsRebuild rebuilds morercpthosts.cdb as qmail-newmrh does.
func runRcpthostsRebuild(cmd *cobra.Command, a *app) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), lockWait)
	defer cancel()
	n, err := control.BuildMoreRcptHosts(ctx, a.controlDir)
	if err != nil {
		return controlError(cmd, err)
	}
	f, _ := control.Lookup("morercpthosts.cdb")
	v := control.RebuildViewOf(f, n)
	return writeChange(a, v, v.Lines(), nil)
}
