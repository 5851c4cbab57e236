package cmdutil

import (
	"errors"
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func TestChooseFormat(t *testing.T) {
	offersTable := WithFormats(&cobra.Command{Use: "list"}, "", FormatTable, FormatPlain, FormatJSON)
	plainFirst := &cobra.Command{Use: "rm", Annotations: Formats(FormatPlain, FormatPlain, FormatJSON)}
	none := &cobra.Command{Use: "svc"}
	for _, tc := range []struct {
		name  string
		cmd   *cobra.Command
		given string
		tty   bool
		want  string // "!" for a usage error
	}{
		{"terminal", offersTable, "", true, FormatTable},
		{"pipe", offersTable, "", false, FormatPlain},
		{"given", offersTable, FormatJSON, true, FormatJSON},
		{"not offered", offersTable, "qread", false, "!"},
		{"command's default", plainFirst, "", true, FormatPlain},
		{"table not offered", plainFirst, FormatTable, true, "!"},
		{"no formats", none, "anything", true, ""},
	} {
		got, err := ChooseFormat(tc.cmd, tc.given, tc.tty)
		if tc.want == "!" {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Errorf("%s: %q, %v; want a usage error", tc.name, got, err)
			}
			continue
		}
		if got != tc.want || err != nil {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	_, err := ChooseFormat(plainFirst, "qread", false)
	if want := "--format qread is not offered here; choose one of: plain, json"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if got := OfferedFormats(offersTable); !slices.Equal(got, []string{"table", "plain", "json"}) {
		t.Errorf("OfferedFormats = %q", got)
	}
	if got, _ := CompleteFormats(offersTable, nil, "p"); !slices.Equal(got, []cobra.Completion{"plain"}) {
		t.Errorf("CompleteFormats = %q", got)
	}
}
