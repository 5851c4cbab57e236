package cmdutil

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// parsed returns qq rm in miniature after parsing args: global location
// flags, a repeatable filter, a switch filter, a value filter and a flag
// that selects nothing.
func parsed(t *testing.T, args ...string) (*cobra.Command, []string) {
	t.Helper()
	root := &cobra.Command{Use: "qq"}
	root.PersistentFlags().String("queue", "", "")
	root.PersistentFlags().String("qmail-dir", "", "")
	rm := &cobra.Command{Use: "rm", Run: func(*cobra.Command, []string) {}}
	addFilters(rm.Flags())
	rm.Flags().Bool("yes", false, "")
	rm.Flags().Bool("dry-run", false, "")
	root.AddCommand(rm)
	root.SetArgs(append([]string{"rm"}, args...))
	cmd, err := root.ExecuteC()
	if err != nil {
		t.Fatal(err)
	}
	return cmd, cmd.Flags().Args()
}

// addFilters registers the selecting flags of the miniature.
func addFilters(fs *pflag.FlagSet) {
	fs.StringArray("recipient", nil, "")
	fs.Bool("bounces", false, "")
	fs.String("older", "", "")
}

func TestCommandLine(t *testing.T) {
	cmd, args := parsed(t, "--recipient", "a@x", "--recipient", "it's@y", "--yes", "--older=2d", "--queue", "/q dir", "--dry-run=false", "123", "a b")
	want := `qq rm --dry-run --older=2d --queue='/q dir' --recipient=a@x --recipient='it'\''s@y' --yes 123 'a b'`
	if got := CommandLine(cmd, args); got != want {
		t.Errorf("CommandLine:\n%s\nwant\n%s", got, want)
	}
	cmd, args = parsed(t)
	if got := CommandLine(cmd, args); got != "qq rm" {
		t.Errorf("CommandLine with nothing given = %q", got)
	}
}

func TestFilterArgs(t *testing.T) {
	selecting := pflag.NewFlagSet("filters", pflag.ContinueOnError)
	addFilters(selecting)
	first := []string{"qmail-dir", "queue", "control-dir"}
	cmd, args := parsed(t, "--yes", "--recipient", "a@x", "--queue", "/q dir", "--recipient", "it's@y", "--qmail-dir=/var/qmail", "--bounces=false", "--older", "2d", "123")
	want := []string{"--qmail-dir", "/var/qmail", "--queue", "/q dir", "--older", "2d", "--recipient", "a@x", "--recipient", "it's@y", "123"}
	if got := FilterArgs(cmd, args, first, selecting); !slices.Equal(got, want) {
		t.Errorf("FilterArgs:\n%q\nwant\n%q", got, want)
	}
	cmd, args = parsed(t, "--bounces", "--dry-run")
	if got := FilterArgs(cmd, args, first, selecting); !slices.Equal(got, []string{"--bounces"}) {
		t.Errorf("FilterArgs of a switch = %q", got)
	}
}

func TestSelectionGiven(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--queue", "/q"}, false}, // a global flag selects nothing
		{[]string{"--dry-run", "--yes"}, false},
		{[]string{"--dry-run", "--older", "2d"}, true},
		{[]string{"--bounces=false"}, true}, // given, even if false
		{[]string{"123"}, true},
	} {
		cmd, args := parsed(t, tc.args...)
		if got := SelectionGiven(cmd, args, "dry-run", "yes"); got != tc.want {
			t.Errorf("SelectionGiven(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
