package main

import (
	"fmt"
	"strings"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/control"
	"github.com/spf13/cobra"
)

func newControlCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "control",
		Short:   "read and change qmail control files with qmail's own semantics",
		GroupID: groupControl,
		Long:    longHelp("control"),
	}
	var setForce, unsetForce bool
	set := leaf("set NAME VALUE...", "set a control file's value, or add entries to a list or map file", longHelp("control-set"),
		cobra.MinimumNArgs(2), func(cmd *cobra.Command, args []string) error {
			return runControlEdit(cmd, a, args[0], args[1:], setForce, true)
		})
	cmdutil.WithFormats(set, cmdutil.FormatPlain, plainFormats...)
	set.Flags().BoolVar(&setForce, "force", false, "allow creating rcpthosts or locals without control/me")
	unset := leaf("unset NAME [VALUE...]", "remove a control file (back to qmail's default), or entries of a list or map file", longHelp("control-unset"),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error {
			return runControlEdit(cmd, a, args[0], args[1:], unsetForce, false)
		})
	cmdutil.WithFormats(unset, cmdutil.FormatPlain, plainFormats...)
	unset.Flags().BoolVar(&unsetForce, "force", false, "allow removing control/me")
	cmd.AddCommand(
		cmdutil.WithFormats(leaf("list", "list the control files qq knows: kind, default, reader, what a change needs", longHelp("control-list"),
			cobra.NoArgs, func(*cobra.Command, []string) error { return runControlList(a) }), "", tableFormats...),
		cmdutil.WithFormats(leaf("show", "show every control file's effective value, like qmail-showctl", longHelp("control-show"),
			cobra.NoArgs, func(*cobra.Command, []string) error { return runControlShow(a) }), "", tableFormats...),
		cmdutil.WithFormats(leaf("get NAME", "print the value qmail uses for a control file", longHelp("control-get"),
			cobra.ExactArgs(1), func(cmd *cobra.Command, args []string) error { return runControlGet(cmd, a, args[0]) }), cmdutil.FormatPlain, plainFormats...),
		set, unset)
	return cmd
}

// runControlList prints the registry of control files.
func runControlList(a *app) error {
	header := []string{"NAME", "KIND", "DEFAULT", "READ BY", "WHEN", "CHANGE NEEDS"}
	return writeItems(a, header, control.Files, func(f control.File) any { return f.View() }, func(f control.File) []any {
		name := f.Name
		if f.Patch != "" {
			name += " (not stock)"
		}
		return []any{name, f.Kind.String(), f.DefaultText(), f.ReadBy, f.When, f.Effect.Needs()}
	})
}

// runControlShow prints every control file's effective value, and the
// files of the control directory qq does not know.
func runControlShow(a *app) error {
	settings, unknown, err := control.ReadAll(a.controlDir)
	if err != nil {
		return err
	}
	for _, name := range unknown {
		settings = append(settings, control.UnknownSetting(name))
	}
	header := []string{"NAME", "SOURCE", "VALUE", "NOTES"}
	return writeItems(a, header, settings, func(s control.Setting) any { return s.View() }, func(s control.Setting) []any {
		source, value := s.Source, s.Brief(visible)
		switch {
		case !s.File.Known():
			source, value = "unknown", ""
		case source == control.SourceNone:
			source = "-"
		}
		return []any{visible(s.File.Name), source, value, strings.Join(s.Notes, "; ")}
	})
}

// runControlGet prints the value qmail uses for one control file.
func runControlGet(cmd *cobra.Command, a *app, name string) error {
	f, err := control.Find(name)
	if err != nil {
		return controlError(cmd, err)
	}
	s, err := control.Get(a.controlDir, f.Name)
	if err != nil {
		return err
	}
	if a.output == cmdutil.FormatJSON {
		if err := writeJSON(a.stdout, s.View()); err != nil {
			return err
		}
	} else {
		for _, v := range s.Values() {
			fmt.Fprintln(a.stdout, a.esc().line(v))
		}
	}
	showNotices(a, s.Notices())
	if s.Source == control.SourceNone {
		return cmdutil.ErrNothingMatched
	}
	return nil
}

// runControlEdit runs qq control set ([control.SetEntries]: a one-line
// file's value, entries of a map file, entries added to a list file) or,
// with set false, qq control unset ([control.UnsetEntries]: a one-line
// file removed, entries of a list or map file removed), which is also the
// rm subcommand of badmailfrom and badrcptto.
func runControlEdit(cmd *cobra.Command, a *app, name string, args []string, force, set bool) error {
	in, ctx, cancel, err := changeInputs(cmd, a, args)
	if err != nil {
		return err
	}
	defer cancel()
	f, err := control.FindWritable(name)
	if err != nil {
		return controlError(cmd, err)
	}
	if set {
		values, notes, err := validateInputs(a, cmd, in, func(v string) (string, []string, error) { return control.Validate(f.Name, v) })
		if err != nil {
			return err
		}
		showNotices(a, notes)
		e, err := control.SetEntries(ctx, a.controlDir, f, values, force)
		return writeEdit(cmd, a, e, err)
	}
	var values []string // nil: no VALUE given
	if len(args) > 0 {
		values = control.InputValues(in)
	}
	e, err := control.UnsetEntries(ctx, a.controlDir, f, values, force)
	if err := writeEdit(cmd, a, e, err); err != nil {
		return err
	}
	if !f.OneValue() && len(e.List.Removed) == 0 {
		return cmdutil.ErrNothingMatched
	}
	return nil
}

// writeEdit reports an edit of a control file ([control.Edit.Lines]), and
// then err, the error that stopped it if any. The warnings about lines
// qmail ignores are for people: JSON has the lines in its own fields.
func writeEdit(cmd *cobra.Command, a *app, e control.Edit, err error) error {
	switch {
	case err != nil && e.Map != nil && a.output != cmdutil.FormatJSON:
		// A map edit stopped: the entries set before err, with no summary.
		for _, ch := range e.Map {
			fmt.Fprintln(a.stdout, ch.Describe(visible))
		}
		showNotices(a, e.Warnings())
		return controlError(cmd, err)
	case err != nil:
		return controlError(cmd, err)
	case a.output == cmdutil.FormatJSON:
		return writeChange(a, e.View(), nil, e.Notices)
	}
	return writeChange(a, nil, e.Lines(visible), append(e.Warnings(), e.Notices...))
}
