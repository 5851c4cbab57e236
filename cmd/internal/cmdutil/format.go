package cmdutil

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// The output formats several commands share. A command lists the ones it
// offers (Formats); some add their own (qread, qstat, ids, svstat).
const (
	FormatTable = "table" // a table for people
	FormatPlain = "plain" // tab-separated lines with a header, for pipes and awk
	FormatJSON  = "json"  // JSON (JSON Lines for listings)
)

// The annotations of a command that offers --format: the values, and the
// default ("": table on a terminal, plain when piped).
const (
	annotationFormats       = "qq-formats"
	annotationFormatDefault = "qq-format-default"
)

// Formats is the Annotations value of a command offering the --format
// values offered, def its default. The root command checks --format
// against it (ChooseFormat) and completion offers them: each command
// declares its formats once.
func Formats(def string, offered ...string) map[string]string {
	return map[string]string{annotationFormats: strings.Join(offered, " "), annotationFormatDefault: def}
}

// WithFormats gives cmd the annotations of Formats and returns it.
func WithFormats(cmd *cobra.Command, def string, offered ...string) *cobra.Command {
	cmd.Annotations = Formats(def, offered...)
	return cmd
}

// OfferedFormats are the --format values cmd offers (none: it has no
// --format choice).
func OfferedFormats(cmd *cobra.Command) []string {
	return strings.Fields(cmd.Annotations[annotationFormats])
}

// ChooseFormat returns the format cmd writes: given (--format as given)
// checked against the formats cmd offers, or with no --format the
// command's default: table when stdout is a terminal, plain lines when
// piped, unless the command says otherwise. A command offering no
// formats ignores --format and gets "".
func ChooseFormat(cmd *cobra.Command, given string, stdoutTTY bool) (string, error) {
	offered := OfferedFormats(cmd)
	if len(offered) == 0 {
		return "", nil
	}
	f := given
	if f == "" {
		f = cmd.Annotations[annotationFormatDefault]
	}
	if f == "" {
		f = FormatPlain
		if stdoutTTY {
			f = FormatTable
		}
	}
	if !slices.Contains(offered, f) {
		return "", UsageErrorf("--format %s is not offered here; choose one of: %s", f, strings.Join(offered, ", "))
	}
	return f, nil
}
