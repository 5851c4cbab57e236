package main

import (
	"fmt"
	"strings"

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
	set.Flags().BoolVar(&setForce, "force", false, "allow creating rcpthosts or locals without control/me")
	unset := leaf("unset NAME [VALUE...]", "remove a control file (back to qmail's default), or entries of a list or map file", longHelp("control-unset"),
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, args []string) error {
			return runControlEdit(cmd, a, args[0], args[1:], unsetForce, false)
		})
	unset.Flags().BoolVar(&unsetForce, "force", false, "allow removing control/me")
	cmd.AddCommand(
		leaf("list", "list the control files qq knows: kind, default, reader, what a change needs", longHelp("control-list"),
			cobra.NoArgs, func(*cobra.Command, []string) error { return runControlList(a) }),
		leaf("show", "show every control file's effective value, like qmail-showctl", longHelp("control-show"),
			cobra.NoArgs, func(*cobra.Command, []string) error { return runControlShow(a) }),
		leaf("get NAME", "print the value qmail uses for a control file", longHelp("control-get"),
			cobra.ExactArgs(1), func(cmd *cobra.Command, args []string) error { return runControlGet(cmd, a, args[0]) }),
		set, unset)
	return cmd
}

// runControlList prints the registry of control files.
func runControlList(a *app) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	header := []any{"NAME", "KIND", "DEFAULT", "READ BY", "WHEN", "CHANGE NEEDS"}
	return writeItems(a, format, header, control.Files, func(f control.File) any { return f.View() }, func(f control.File) []any {
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
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	settings, unknown, err := control.ReadAll(a.controlDir)
	if err != nil {
		return err
	}
	for _, name := range unknown {
		settings = append(settings, control.UnknownSetting(name))
	}
	header := []any{"NAME", "SOURCE", "VALUE", "NOTES"}
	return writeItems(a, format, header, settings, func(s control.Setting) any { return s.View() }, func(s control.Setting) []any {
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
	format, err := a.formatFor(formatPlain, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	f, err := control.Find(name)
	if err != nil {
		return controlError(cmd, err)
	}
	s, err := control.Get(a.controlDir, f.Name)
	if err != nil {
		return err
	}
	if format == formatJSON {
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
		return errNothingMatched
	}
	return nil
}

// runControlEdit runs qq control set ([control.SetEntries]: a one-line
// file's value, entries of a map file, entries added to a list file) or,
// with set false, qq control unset ([control.UnsetEntries]: a one-line
// file removed, entries of a list or map file removed), which is also the
// rm subcommand of badmailfrom and badrcptto.
func runControlEdit(cmd *cobra.Command, a *app, name string, args []string, force, set bool) error {
	chg, err := startChange(cmd, a, args)
	if err != nil {
		return err
	}
	defer chg.cancel()
	f, err := control.FindWritable(name)
	if err != nil {
		return controlError(cmd, err)
	}
	var e control.Edit
	if set {
		values, notes, err := validateInputs(a, cmd, chg.in, func(v string) (string, []string, error) { return control.Validate(f.Name, v) })
		if err != nil {
			return err
		}
		showNotices(a, notes)
		e, err = control.SetEntries(chg.ctx, a.controlDir, f, values, force)
		return writeEdit(cmd, a, chg.format, e, err)
	}
	var values []string // nil: no VALUE given
	if len(args) > 0 {
		values = control.InputValues(chg.in)
	}
	e, err = control.UnsetEntries(chg.ctx, a.controlDir, f, values, force)
	if err := writeEdit(cmd, a, chg.format, e, err); err != nil {
		return err
	}
	if !f.OneValue() && len(e.List.Removed) == 0 {
		return errNothingMatched
	}
	return nil
}

// writeEdit reports an edit of a control file, and then err, the error
// that stopped it if any: for a one-line file its value before and now,
// for a map file each entry set, for a list file each entry changed.
func writeEdit(cmd *cobra.Command, a *app, format string, e control.Edit, err error) error {
	f := e.File
	if err != nil && (e.Map == nil || format == formatJSON) {
		return controlError(cmd, err)
	}
	switch {
	case format == formatJSON:
		if err := writeJSON(a.stdout, e.View()); err != nil {
			return err
		}
	case e.Map != nil:
		return writeMapChanges(cmd, a, f, e.Map, err)
	case !f.OneValue():
		printListChange(a.stdout, f, e.List)
	case e.Line.Changed:
		fmt.Fprintf(a.stdout, "%s: %s -> %s; %s\n", f.Name, e.Line.Before.Describe(visible), e.Line.After.Describe(visible), f.EffectText())
	default:
		fmt.Fprintf(a.stdout, "%s: unchanged, %s\n", f.Name, e.Line.After.Describe(visible))
	}
	showNotices(a, e.Notices)
	return nil
}

// writeMapChanges prints the entries set in a map file, and then err, the
// error that stopped the edit if any.
func writeMapChanges(cmd *cobra.Command, a *app, f control.File, chs []control.MapChange, err error) error {
	for _, ch := range chs {
		switch {
		case !ch.Changed:
			fmt.Fprintf(a.stdout, "present      %s (line %d)\n", visible(ch.Entry), ch.Line)
		case ch.Old != "":
			fmt.Fprintf(a.stdout, "replaced     %s -> %s (line %d)\n", visible(ch.Old), visible(ch.Entry), ch.Line)
		default:
			fmt.Fprintf(a.stdout, "added        %s (line %d)\n", visible(ch.Entry), ch.Line)
		}
		for _, d := range ch.Duplicates {
			a.warnf("%s line %d has the same key; qmail uses only the last one (line %d)", f.Name, d, ch.Line)
		}
	}
	if err != nil {
		return controlError(cmd, err)
	}
	if control.MapChangeViewOf(f, chs).Changed {
		fmt.Fprintf(a.stdout, "%s: %s\n", f.Name, f.EffectText())
	} else {
		fmt.Fprintf(a.stdout, "%s: unchanged\n", f.Name)
	}
	return nil
}
