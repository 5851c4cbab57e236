package cmdutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// testTree is qq in miniature: a group command (control) with two
// subcommands, a runnable command (list) with flags and an argument
// count, and a global flag.
func testTree() *cobra.Command {
	root := &cobra.Command{Use: "qq", SilenceErrors: true, SilenceUsage: true}
	root.SetFlagErrorFunc(FlagError)
	root.PersistentFlags().String("queue", "", "")
	control := &cobra.Command{Use: "control"}
	for _, name := range []string{"get", "set"} {
		control.AddCommand(&cobra.Command{Use: name, RunE: func(*cobra.Command, []string) error { return nil }})
	}
	list := &cobra.Command{Use: "list", Args: cobra.MaximumNArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	list.Flags().StringArray("sender", nil, "")
	list.Flags().Bool("sort", false, "")
	list.Flags().Bool("secret", false, "")
	_ = list.Flags().MarkHidden("secret")
	root.AddCommand(control, list)
	WrapArgErrors(root)
	RejectUnknownSubcommands(root)
	return root
}

// execute runs the test tree on args and returns what was printed and the
// error.
func execute(args ...string) (string, error) {
	root := testTree()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantErr  string // "" for none
		wantPath string // the usage error's command
	}{
		{[]string{"control", "gt"}, `unknown command "gt" for "qq control"; did you mean "get"?`, "qq control"},
		{[]string{"control", "xyz"}, `unknown command "xyz" for "qq control"`, "qq control"},
		{[]string{"control", "et"}, `unknown command "et" for "qq control"; did you mean "get" or "set"?`, "qq control"},
		{[]string{"list", "--sendr", "x"}, "unknown flag: --sendr; did you mean --sender?", "qq list"},
		{[]string{"list", "--qeue", "x"}, "unknown flag: --qeue; did you mean --queue?", "qq list"},
		{[]string{"list", "--secre"}, "unknown flag: --secre", "qq list"}, // hidden flags are not suggested
		{[]string{"list", "--zzzzzz"}, "unknown flag: --zzzzzz", "qq list"},
		{[]string{"list", "1", "2"}, "accepts at most 1 arg(s), received 2", "qq list"},
		{[]string{"list", "1"}, "", ""},
		{[]string{"control", "get"}, "", ""},
	} {
		_, err := execute(tc.args...)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.args, err)
			}
			continue
		}
		var ue *UsageError
		if !errors.As(err, &ue) || err.Error() != tc.wantErr || ue.CmdPath != tc.wantPath {
			t.Errorf("%q: error %#v (%v), want a usage error of %s: %s", tc.args, err, err, tc.wantPath, tc.wantErr)
		}
	}
}

// A group command given no subcommand prints its help and succeeds.
func TestGroupWithoutSubcommand(t *testing.T) {
	out, err := execute("control")
	if err != nil || !strings.Contains(out, "Available Commands:") {
		t.Errorf("qq control: %v, printed %q", err, out)
	}
}

// SuggestFlag leaves errors other than an unknown long flag alone.
func TestSuggestFlagOtherErrors(t *testing.T) {
	cmd := testTree()
	in := errors.New(`invalid argument "x" for "--sort" flag`)
	if got := SuggestFlag(cmd, in); got != in {
		t.Errorf("SuggestFlag = %v", got)
	}
}
