package main

import (
	"context"
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
	cmd.AddCommand(newControlListCmd(a), newControlShowCmd(a), newControlGetCmd(a), newControlSetCmd(a), newControlUnsetCmd(a))
	return cmd
}

// ---- qq control list ----------------------------------------------------

type controlListOptions struct{}

func newControlListCmd(a *app) *cobra.Command {
	var opts controlListOptions
	return &cobra.Command{
		Use:   "list",
		Short: "list the control files qq knows: kind, default, reader, what a change needs",
		Long:  longHelp("control-list"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runControlList(cmd.Context(), a, opts)
		},
	}
}

type controlFileJSON struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Summary    string `json:"summary"`
	Default    string `json:"default"`
	DefaultMe  bool   `json:"default_me"`
	Absent     string `json:"absent"`
	ReadBy     string `json:"read_by"`
	When       string `json:"when"`
	Effect     string `json:"effect"`
	EffectText string `json:"effect_text"`
	Patch      string `json:"patch"`
}

func runControlList(_ context.Context, a *app, _ controlListOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	header := []any{"NAME", "KIND", "DEFAULT", "READ BY", "WHEN", "CHANGE NEEDS"}
	var rows [][]any
	for _, f := range control.Files {
		if format == formatJSON {
			if err := writeJSON(a.stdout, controlFileJSON{
				Name: f.Name, Kind: f.Kind.String(), Summary: f.Summary, Default: f.Default, DefaultMe: f.DefaultMe,
				Absent: f.Absent, ReadBy: f.ReadBy, When: f.When, Effect: f.Effect.String(), EffectText: f.EffectText(), Patch: f.Patch,
			}); err != nil {
				return err
			}
			continue
		}
		name := f.Name
		if f.Patch != "" {
			name += " (not stock)"
		}
		rows = append(rows, []any{name, f.Kind.String(), f.DefaultText(), f.ReadBy, f.When, f.Effect.Needs()})
	}
	return writeRows(a, format, header, rows)
}

// ---- qq control show ----------------------------------------------------

type controlShowOptions struct{}

func newControlShowCmd(a *app) *cobra.Command {
	var opts controlShowOptions
	return &cobra.Command{
		Use:   "show",
		Short: "show every control file's effective value, like qmail-showctl",
		Long:  longHelp("control-show"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runControlShow(cmd.Context(), a, opts)
		},
	}
}

type settingJSON struct {
	Name    string          `json:"name"`
	Known   bool            `json:"known"`
	Exists  bool            `json:"exists"`
	Source  string          `json:"source"`
	Value   string          `json:"value"`
	Entries []lineEntryJSON `json:"entries"`
	Keys    int             `json:"keys"`
	Notes   []string        `json:"notes"`
}

func newSettingJSON(s control.Setting) settingJSON {
	return settingJSON{Name: s.File.Name, Known: true, Exists: s.Exists, Source: s.Source, Value: s.Value,
		Entries: lineEntriesJSON(s.Entries), Keys: s.Keys, Notes: append([]string{}, s.Notes...)}
}

func runControlShow(_ context.Context, a *app, _ controlShowOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	settings, unknown, err := control.ReadAll(a.controlDir)
	if err != nil {
		return err
	}
	if format == formatJSON {
		for _, s := range settings {
			if err := writeJSON(a.stdout, newSettingJSON(s)); err != nil {
				return err
			}
		}
		for _, name := range unknown {
			if err := writeJSON(a.stdout, settingJSON{Name: name, Exists: true, Source: control.SourceFile, Entries: []lineEntryJSON{},
				Notes: []string{"not a control file qq knows"}}); err != nil {
				return err
			}
		}
		return nil
	}
	var rows [][]any
	for _, s := range settings {
		source := s.Source
		if source == control.SourceNone {
			source = "-"
		}
		rows = append(rows, []any{s.File.Name, source, s.Brief(visible), strings.Join(s.Notes, "; ")})
	}
	for _, name := range unknown {
		rows = append(rows, []any{visible(name), "unknown", "", "not a control file qq knows"})
	}
	return writeRows(a, format, []any{"NAME", "SOURCE", "VALUE", "NOTES"}, rows)
}

// ---- qq control get -----------------------------------------------------

type controlGetOptions struct {
	name string
}

func newControlGetCmd(a *app) *cobra.Command {
	var opts controlGetOptions
	return &cobra.Command{
		Use:   "get NAME",
		Short: "print the value qmail uses for a control file",
		Long:  longHelp("control-get"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name = args[0]
			return runControlGet(cmd, a, opts)
		},
	}
}

func runControlGet(cmd *cobra.Command, a *app, opts controlGetOptions) error {
	format, err := a.formatFor(formatPlain, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	f, err := lookupFile(cmd, opts.name)
	if err != nil {
		return err
	}
	s, err := control.Read(a.controlDir, f.Name)
	if err != nil {
		return err
	}
	var keys []string
	if f.Kind == control.KindCDB && s.Exists {
		if keys, err = control.CDBKeys(a.controlDir, f.Name); err != nil {
			return err
		}
	}
	if format == formatJSON {
		v := newSettingJSON(s)
		for _, k := range keys {
			v.Entries = append(v.Entries, lineEntryJSON{Entry: k})
		}
		if err := writeJSON(a.stdout, v); err != nil {
			return err
		}
	} else {
		switch {
		case f.Kind == control.KindCDB:
			for _, k := range keys {
				fmt.Fprintln(a.stdout, a.esc().line(k))
			}
		case f.Kind == control.KindList || f.Kind == control.KindMap:
			for _, e := range s.Entries {
				fmt.Fprintln(a.stdout, a.esc().line(e.Value))
			}
		case s.Source != control.SourceNone:
			fmt.Fprintln(a.stdout, a.esc().line(s.Value))
		}
	}
	for _, n := range s.Notes {
		a.warnf("%s: %s", f.Name, n)
	}
	switch s.Source {
	case control.SourceNone:
		noteControl(a, "%s is absent: %s", f.Name, f.Absent)
		return errNothingMatched
	case control.SourceDefault:
		noteControl(a, "%s is absent: qmail's default", f.Name)
	case control.SourceMe:
		noteControl(a, "%s is absent: the value of control/me", f.Name)
	}
	return nil
}

// ---- qq control set -----------------------------------------------------

type controlSetOptions struct {
	name   string
	values []string
	force  bool
}

func newControlSetCmd(a *app) *cobra.Command {
	var opts controlSetOptions
	cmd := &cobra.Command{
		Use:   "set NAME VALUE...",
		Short: "set a control file's value, or add entries to a list or map file",
		Long:  longHelp("control-set"),
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name, opts.values = args[0], args[1:]
			return runControlSet(cmd, a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.force, "force", false, "allow creating rcpthosts or locals without control/me")
	return cmd
}

// lineChangeJSON is the JSON view of a change of a one-line file.
type lineChangeJSON struct {
	File       string `json:"file"`
	Old        string `json:"old"`
	OldSource  string `json:"old_source"`
	New        string `json:"new"`
	NewSource  string `json:"new_source"`
	Changed    bool   `json:"changed"`
	Effect     string `json:"effect"`
	EffectText string `json:"effect_text"`
}

func runControlSet(cmd *cobra.Command, a *app, opts controlSetOptions) error {
	chg, err := startChange(cmd, a, opts.values)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	f, err := writableFile(cmd, opts.name)
	if err != nil {
		return err
	}
	in := chg.in
	vs, err := validateValues(a, cmd, in, func(v string) (string, []string, error) { return control.Validate(f.Name, v) }, nil)
	if err != nil {
		return err
	}
	printNotes(a, vs)
	switch f.Kind {
	case control.KindLine, control.KindInt:
		if len(vs) != 1 {
			return asUsage(cmd, fmt.Errorf("%s holds one value, %d given", f.Name, len(vs)))
		}
		return setLine(ctx, cmd, a, format, f, vs[0].value)
	case control.KindMap:
		return setMapEntries(ctx, cmd, a, format, f, vs)
	}
	if err := guardCreate(a, f.Name, values(vs), opts.force); err != nil {
		return asUsage(cmd, err)
	}
	ch, err := control.AddToList(ctx, a.controlDir, f.Name, values(vs))
	if err != nil {
		return controlError(cmd, err)
	}
	return writeListChange(a, format, f, ch)
}

func setLine(ctx context.Context, cmd *cobra.Command, a *app, format string, f control.File, value string) error {
	before, err := control.Read(a.controlDir, f.Name)
	if err != nil {
		return err
	}
	ch, err := control.SetLine(ctx, a.controlDir, f.Name, value)
	if err != nil {
		return controlError(cmd, err)
	}
	return writeLineChange(a, format, f, before, ch.Changed)
}

// writeLineChange reports a change of a one-line file, from the setting
// before it to the file's value now.
func writeLineChange(a *app, format string, f control.File, before control.Setting, changed bool) error {
	after, err := control.Read(a.controlDir, f.Name)
	if err != nil {
		return err
	}
	if format == formatJSON {
		return writeJSON(a.stdout, lineChangeJSON{File: f.Name, Old: before.Value, OldSource: before.Source, New: after.Value,
			NewSource: after.Source, Changed: changed, Effect: f.Effect.String(), EffectText: f.EffectText()})
	}
	if !changed {
		fmt.Fprintf(a.stdout, "%s: unchanged, %s\n", f.Name, after.Describe(visible))
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: %s -> %s; %s\n", f.Name, before.Describe(visible), after.Describe(visible), f.EffectText())
	return nil
}

// mapChangeJSON is the JSON view of a change of a map file.
type mapChangeJSON struct {
	File       string   `json:"file"`
	Set        []mapSet `json:"set"`
	Changed    bool     `json:"changed"`
	Effect     string   `json:"effect"`
	EffectText string   `json:"effect_text"`
}

type mapSet struct {
	Entry      string `json:"entry"`
	Old        string `json:"old"`
	Line       int    `json:"line"`
	Duplicates []int  `json:"duplicates"`
	Changed    bool   `json:"changed"`
}

func setMapEntries(ctx context.Context, cmd *cobra.Command, a *app, format string, f control.File, vs []validated) error {
	view := mapChangeJSON{File: f.Name, Set: []mapSet{}, Effect: f.Effect.String(), EffectText: f.EffectText()}
	for _, v := range vs {
		ch, err := control.SetMapEntry(ctx, a.controlDir, f.Name, v.value)
		if err != nil {
			return controlError(cmd, err)
		}
		view.Changed = view.Changed || ch.Changed
		view.Set = append(view.Set, mapSet{Entry: ch.Entry, Old: ch.Old, Line: ch.Line, Duplicates: append([]int{}, ch.Duplicates...), Changed: ch.Changed})
		if format == formatJSON {
			continue
		}
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
	if format == formatJSON {
		return writeJSON(a.stdout, view)
	}
	if view.Changed {
		fmt.Fprintf(a.stdout, "%s: %s\n", f.Name, f.EffectText())
	} else {
		fmt.Fprintf(a.stdout, "%s: unchanged\n", f.Name)
	}
	return nil
}

// ---- qq control unset ---------------------------------------------------

type controlUnsetOptions struct {
	name   string
	values []string
	force  bool
}

func newControlUnsetCmd(a *app) *cobra.Command {
	var opts controlUnsetOptions
	cmd := &cobra.Command{
		Use:   "unset NAME [VALUE...]",
		Short: "remove a control file (back to qmail's default), or entries of a list or map file",
		Long:  longHelp("control-unset"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name, opts.values = args[0], args[1:]
			return runControlUnset(cmd, a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.force, "force", false, "allow removing control/me")
	return cmd
}

func runControlUnset(cmd *cobra.Command, a *app, opts controlUnsetOptions) error {
	chg, err := startChange(cmd, a, opts.values)
	if err != nil {
		return err
	}
	defer chg.cancel()
	format, ctx := chg.format, chg.ctx
	f, err := writableFile(cmd, opts.name)
	if err != nil {
		return err
	}
	switch f.Kind {
	case control.KindLine, control.KindInt:
		if len(opts.values) > 0 {
			return asUsage(cmd, fmt.Errorf("%s holds one value: unset it without a VALUE", f.Name))
		}
		if risk := control.RemoveRisk(f.Name); risk != "" && !opts.force {
			return asUsage(cmd, fmt.Errorf("%s; pass --force to remove it anyway", risk))
		}
		before, err := control.Read(a.controlDir, f.Name)
		if err != nil {
			return err
		}
		existed, err := control.Remove(ctx, a.controlDir, f.Name)
		if err != nil {
			return controlError(cmd, err)
		}
		return writeLineChange(a, format, f, before, existed)
	}
	if len(opts.values) == 0 {
		return asUsage(cmd, fmt.Errorf("%s is a %s file: give the entries to remove (qq control unset %s VALUE...)", f.Name, f.Kind, f.Name))
	}
	in := chg.in
	var ch control.ListChange
	if f.Kind == control.KindMap {
		ch, err = control.RemoveMapKeys(ctx, a.controlDir, f.Name, rawValues(in))
	} else {
		ch, err = control.RemoveFromList(ctx, a.controlDir, f.Name, rawValues(in))
	}
	if err != nil {
		return controlError(cmd, err)
	}
	if err := writeListChange(a, format, f, ch); err != nil {
		return err
	}
	warnEmptyRcptHosts(a, f.Name)
	if len(ch.Removed) == 0 {
		return errNothingMatched
	}
	return nil
}
