package cmdutil

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func TestFixedAndPrefixed(t *testing.T) {
	got, dir := Fixed([]string{"age", "size", "sender"})(nil, nil, "s")
	if !slices.Equal(got, []cobra.Completion{"size", "sender"}) || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("Fixed = %q, %v", got, dir)
	}
	if got := Prefixed([]string{"a"}, "b"); got != nil {
		t.Errorf("Prefixed = %q", got)
	}
	if _, dir := DirsOnly(nil, nil, ""); dir != cobra.ShellCompDirectiveFilterDirs {
		t.Errorf("DirsOnly = %v", dir)
	}
}

func TestRegisterFlagCompletions(t *testing.T) {
	root := testTree()
	var visited []string
	VisitCommands(root, func(cmd *cobra.Command) { visited = append(visited, cmd.CommandPath()) })
	if want := []string{"qq", "qq control", "qq control get", "qq control set", "qq list"}; !slices.Equal(visited, want) {
		t.Errorf("VisitCommands visited %q, want %q", visited, want)
	}
	var asked []string
	RegisterFlagCompletions(root, func(cmd *cobra.Command, flag string) cobra.CompletionFunc {
		asked = append(asked, cmd.CommandPath()+" --"+flag)
		if flag == "sender" {
			return Fixed([]string{"a@x"})
		}
		return nil
	})
	// Only commands' own flags are asked about (not the global --queue),
	// hidden ones too.
	if want := []string{"qq list --secret", "qq list --sender", "qq list --sort"}; !slices.Equal(asked, want) {
		t.Errorf("asked about %q, want %q", asked, want)
	}
	list, _, _ := root.Find([]string{"list"})
	if fn, ok := list.GetFlagCompletionFunc("sender"); !ok {
		t.Error("--sender has no completion")
	} else if got, _ := fn(list, nil, ""); !slices.Equal(got, []cobra.Completion{"a@x"}) {
		t.Errorf("--sender completes %q", got)
	}
	if _, ok := list.GetFlagCompletionFunc("sort"); ok {
		t.Error("--sort got a completion from nil")
	}
}
