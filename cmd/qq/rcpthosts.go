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
	cmd.AddCommand(newRcpthostsListCmd(a), newRcpthostsAddCmd(a), newRcpthostsRmCmd(a), newRcpthostsCheckCmd(a), newRcpthostsRebuildCmd(a))
	return cmd
}

// warnMoreState warns when morercpthosts.cdb does not match
// morercpthosts.
func warnMoreState(a *app) error {
	st, err := control.MoreRcptHostsState(a.controlDir)
	if err != nil {
		return err
	}
	if st != "" {
		a.warnf("%s: run 'qq rcpthosts rebuild'", st)
	}
	return nil
}

// ---- list ---------------------------------------------------------------

type rcpthostsListOptions struct{}

func newRcpthostsListCmd(a *app) *cobra.Command {
	var opts rcpthostsListOptions
	return &cobra.Command{
		Use:   "list",
		Short: "list rcpthosts and morercpthosts entries and flag lines that never match",
		Long:  longHelp("rcpthosts-list"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRcpthostsList(cmd, a, opts)
		},
	}
}

func runRcpthostsList(_ *cobra.Command, a *app, _ rcpthostsListOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	h, err := control.ReadHostLines(a.controlDir)
	if err != nil {
		return err
	}
	switch {
	case !h.RcptHosts:
		a.warnf("control/rcpthosts does not exist: qmail-smtpd accepts mail for every domain (an open relay unless RELAYCLIENT is restricted)")
		if h.More {
			a.warnf("without rcpthosts, morercpthosts has no effect")
		}
	case !h.Usable():
		a.warnf("rcpthosts and morercpthosts list no usable domain: qmail-smtpd rejects every recipient from clients without RELAYCLIENT")
	}
	if err := warnMoreState(a); err != nil {
		return err
	}
	return writeLines(a, format, h.Files, h.Lines)
}

// ---- add ----------------------------------------------------------------

type rcpthostsAddOptions struct {
	args  []string
	more  bool
	force bool
}

func newRcpthostsAddCmd(a *app) *cobra.Command {
	var opts rcpthostsAddOptions
	cmd := &cobra.Command{
		Use:   "add DOMAIN... | -",
		Short: "add domains to rcpthosts (or --more: morercpthosts, rebuilding the cdb)",
		Long:  longHelp("rcpthosts-add"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runRcpthostsAdd(cmd, a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.more, "more", false, "add to morercpthosts (for long lists) and rebuild morercpthosts.cdb")
	cmd.Flags().BoolVar(&opts.force, "force", false, "allow creating rcpthosts (which stops accepting mail for every unlisted domain)")
	return cmd
}

func runRcpthostsAdd(cmd *cobra.Command, a *app, opts rcpthostsAddOptions) error {
	chg, err := startChange(cmd, a, opts.args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	target := "rcpthosts"
	if opts.more {
		target = "morercpthosts"
	}
	in := chg.in
	vs, err := validateValues(a, cmd, in, func(v string) (string, []string, error) { return control.Validate(target, v) }, nil)
	if err != nil {
		return err
	}
	if err := guardCreate(a, "rcpthosts", nil, opts.force); err != nil {
		return asUsage(cmd, err)
	}
	// A domain listed in the other file is already accepted.
	added, err := control.AddRcptHosts(ctx, a.controlDir, opts.more, values(vs))
	if err != nil {
		return controlError(cmd, err)
	}
	ch, other, elsewhere := added.Change, added.Other, added.Elsewhere
	f, _ := control.Lookup(target)
	if format == formatJSON {
		v := newListChangeJSON(f, ch)
		for _, e := range elsewhere {
			v.Present = append(v.Present, lineEntryJSON{Line: e.Line, Entry: e.Value})
		}
		return writeJSON(a.stdout, struct {
			listChangeJSON
			PresentIn string `json:"present_elsewhere_in"`
		}{v, other})
	}
	for _, e := range elsewhere {
		fmt.Fprintf(a.stdout, "present      %s (%s line %d)\n", visible(e.Value), other, e.Line)
	}
	printListChange(a.stdout, f, ch)
	if !opts.more {
		if s, err := control.Read(a.controlDir, "rcpthosts"); err == nil && len(s.Entries) > control.RcptHostsAdvisedMax {
			noteControl(a, "rcpthosts has %d entries; qmail's documentation suggests morercpthosts beyond %d (qq rcpthosts add --more)", len(s.Entries), control.RcptHostsAdvisedMax)
		}
	}
	return nil
}

// ---- rm -----------------------------------------------------------------

type rcpthostsRmOptions struct {
	args []string
}

func newRcpthostsRmCmd(a *app) *cobra.Command {
	var opts rcpthostsRmOptions
	return &cobra.Command{
		Use:     "rm DOMAIN... | -",
		Aliases: []string{"remove"},
		Short:   "remove domains from rcpthosts and morercpthosts",
		Long:    longHelp("rcpthosts-rm"),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runRcpthostsRm(cmd, a, opts)
		},
	}
}

func runRcpthostsRm(cmd *cobra.Command, a *app, opts rcpthostsRmOptions) error {
	chg, err := startChange(cmd, a, opts.args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	in := chg.in
	changes, notFound, err := control.RemoveRcptHosts(ctx, a.controlDir, rawValues(in))
	if err != nil {
		return controlError(cmd, err)
	}
	removed := 0
	var views []any
	for i, ch := range changes {
		removed += len(ch.Removed)
		f, _ := control.Lookup(control.RcptHostsFiles[i])
		if format == formatJSON {
			views = append(views, newListChangeJSON(f, ch))
			continue
		}
		if len(ch.Removed) > 0 {
			printListChange(a.stdout, f, ch)
		}
	}
	if format == formatJSON {
		if err := writeJSON(a.stdout, struct {
			Changes  []any    `json:"changes"`
			NotFound []string `json:"not_found"`
		}{views, append([]string{}, notFound...)}); err != nil {
			return err
		}
	} else {
		for _, m := range notFound {
			fmt.Fprintf(a.stdout, "not found    %s\n", visible(m))
		}
	}
	warnEmptyRcptHosts(a, "rcpthosts")
	if removed == 0 {
		return errNothingMatched
	}
	return nil
}

// ---- check --------------------------------------------------------------

type rcpthostsCheckOptions struct {
	args []string
}

func newRcpthostsCheckCmd(a *app) *cobra.Command {
	var opts rcpthostsCheckOptions
	return &cobra.Command{
		Use:   "check DOMAIN|ADDR... | -",
		Short: "say whether qmail-smtpd accepts mail for a domain or address, and why",
		Long:  longHelp("rcpthosts-check"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runRcpthostsCheck(cmd, a, opts)
		},
	}
}

type rcptCheckJSON struct {
	Input    string `json:"input"`
	Domain   string `json:"domain"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"`
	Key      string `json:"key"`
	Line     int    `json:"line"`
}

func runRcpthostsCheck(_ *cobra.Command, a *app, opts rcpthostsCheckOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	in, err := readValues(a, opts.args)
	if err != nil {
		return err
	}
	rh, err := control.OpenRcptHosts(a.controlDir)
	if err != nil {
		return err
	}
	defer rh.Close()
	if !rh.Exists {
		noteControl(a, "control/rcpthosts does not exist: qmail-smtpd accepts mail for every domain")
	}
	if err := warnMoreState(a); err != nil {
		return err
	}
	lip, err := control.ReadLocalIP(a.controlDir)
	if err != nil {
		return err
	}
	var rows [][]any
	all := true
	for _, v := range in {
		res, err := rh.CheckInput(v.value, lip)
		if err != nil {
			return err
		}
		all = all && res.Accepted
		if format == formatJSON {
			if err := writeJSON(a.stdout, rcptCheckJSON{Input: v.value, Domain: res.Domain, Accepted: res.Accepted, Reason: res.Reason, Key: res.Key, Line: res.Line}); err != nil {
				return err
			}
			continue
		}
		result, by := "rejected", res.Why()
		if res.Accepted {
			result = "accepted"
		}
		rows = append(rows, []any{visible(v.value), visible(res.Domain), result, by})
	}
	if format != formatJSON {
		if err := writeRows(a, format, []any{"INPUT", "DOMAIN", "RESULT", "BY"}, rows); err != nil {
			return err
		}
	}
	if !all {
		return errNothingMatched
	}
	return nil
}

// ---- rebuild ------------------------------------------------------------

type rcpthostsRebuildOptions struct{}

func newRcpthostsRebuildCmd(a *app) *cobra.Command {
	var opts rcpthostsRebuildOptions
	return &cobra.Command{
		Use:   "rebuild",
		Short: "rebuild morercpthosts.cdb from morercpthosts, as qmail-newmrh does",
		Long:  longHelp("rcpthosts-rebuild"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRcpthostsRebuild(cmd, a, opts)
		},
	}
}

func runRcpthostsRebuild(cmd *cobra.Command, a *app, _ rcpthostsRebuildOptions) error {
	chg, err := startChange(cmd, a, nil)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	n, err := control.BuildMoreRcptHosts(ctx, a.controlDir)
	if err != nil {
		return controlError(cmd, err)
	}
	f, _ := control.Lookup("morercpthosts.cdb")
	if format == formatJSON {
		return writeJSON(a.stdout, struct {
			File       string `json:"file"`
			Keys       int    `json:"keys"`
			Effect     string `json:"effect"`
			EffectText string `json:"effect_text"`
		}{f.Name, n, f.Effect.String(), f.EffectText()})
	}
	fmt.Fprintf(a.stdout, "morercpthosts.cdb: rebuilt with %d key(s); %s\n", n, f.EffectText())
	return nil
}
