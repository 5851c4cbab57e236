package main

import (
	"fmt"

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
	add.Flags().BoolVar(&more, "more", false, "add to morercpthosts (for long lists) and rebuild morercpthosts.cdb")
	add.Flags().BoolVar(&force, "force", false, "allow creating rcpthosts (which stops accepting mail for every unlisted domain)")
	rm := leaf("rm DOMAIN... | -", "remove domains from rcpthosts and morercpthosts", longHelp("rcpthosts-rm"),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error { return runRcpthostsRm(cmd, a, args) })
	rm.Aliases = []string{"remove"}
	cmd.AddCommand(
		leaf("list", "list rcpthosts and morercpthosts entries and flag lines that never match", longHelp("rcpthosts-list"),
			cobra.NoArgs, func(*cobra.Command, []string) error { return runListFile(a, control.ReadRcptHostsList) }),
		add, rm,
		leaf("check DOMAIN|ADDR... | -", "say whether qmail-smtpd accepts mail for a domain or address, and why", longHelp("rcpthosts-check"),
			cobra.MinimumNArgs(1), func(_ *cobra.Command, args []string) error {
				accepted := func(c control.RcptCheck) bool { return c.Accepted }
				return runCheckInputs(a, args, control.CheckRcptHosts, []any{"INPUT", "DOMAIN", "RESULT", "BY"}, rcptCheckRow, accepted)
			}),
		leaf("rebuild", "rebuild morercpthosts.cdb from morercpthosts, as qmail-newmrh does", longHelp("rcpthosts-rebuild"),
			cobra.NoArgs, func(cmd *cobra.Command, _ []string) error { return runRcpthostsRebuild(cmd, a) }))
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
	chg, err := startChange(cmd, a, args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	target := "rcpthosts"
	if more {
		target = "morercpthosts"
	}
	values, _, err := validateInputs(a, cmd, chg.in, func(v string) (string, []string, error) { return control.Validate(target, v) })
	if err != nil {
		return err
	}
	if err := control.GuardCreate(a.controlDir, "rcpthosts", nil, force); err != nil {
		return asUsage(cmd, err)
	}
	added, err := control.AddRcptHosts(chg.ctx, a.controlDir, more, values)
	if err != nil {
		return controlError(cmd, err)
	}
	if chg.format == formatJSON {
		return writeJSON(a.stdout, added.View())
	}
	for _, e := range added.Elsewhere {
		fmt.Fprintf(a.stdout, "present      %s (%s line %d)\n", visible(e.Value), added.Other, e.Line)
	}
	f, _ := control.Lookup(target)
	printListChange(a.stdout, f, added.Change)
	showNotices(a, added.Notices)
	return nil
}

// runRcpthostsRm removes domains from rcpthosts and morercpthosts.
func runRcpthostsRm(cmd *cobra.Command, a *app, args []string) error {
	chg, err := startChange(cmd, a, args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	r, err := control.RemoveRcptHosts(chg.ctx, a.controlDir, control.InputValues(chg.in))
	if err != nil {
		return controlError(cmd, err)
	}
	if chg.format == formatJSON {
		if err := writeJSON(a.stdout, r.View()); err != nil {
			return err
		}
	} else {
		for i, ch := range r.Changes {
			if f, _ := control.Lookup(control.RcptHostsFiles[i]); len(ch.Removed) > 0 {
				printListChange(a.stdout, f, ch)
			}
		}
		for _, m := range r.NotFound {
			fmt.Fprintf(a.stdout, "not found    %s\n", visible(m))
		}
	}
	showNotices(a, r.Notices)
	if r.Removed() == 0 {
		return errNothingMatched
	}
	return nil
}

// runRcpthostsRebuild rebuilds morercpthosts.cdb as qmail-newmrh does.
func runRcpthostsRebuild(cmd *cobra.Command, a *app) error {
	chg, err := startChange(cmd, a, nil)
	if err != nil {
		return err
	}
	defer chg.cancel()
	n, err := control.BuildMoreRcptHosts(chg.ctx, a.controlDir)
	if err != nil {
		return controlError(cmd, err)
	}
	f, _ := control.Lookup("morercpthosts.cdb")
	if chg.format == formatJSON {
		return writeJSON(a.stdout, control.RebuildViewOf(f, n))
	}
	fmt.Fprintf(a.stdout, "morercpthosts.cdb: rebuilt with %d key(s); %s\n", n, f.EffectText())
	return nil
}
