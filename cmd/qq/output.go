package main

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

// Output formats shared by several commands. A command lists the ones it
// offers; some add their own (qread, qstat, ids, svstat).
const (
	formatTable = "table" // a go-pretty table for people
	formatPlain = "plain" // tab-separated lines with a header, for pipes and awk
	formatJSON  = "json"  // JSON (JSON Lines for listings)
)

// The formats most commands offer: for people and pipes, or for pipes only
// (the commands that report a change).
var (
	tableFormats = []string{formatTable, formatPlain, formatJSON}
	plainFormats = []string{formatPlain, formatJSON}
)

// The annotations of a command that offers --format: the values, and the
// default ("": table on a terminal, plain when piped).
const (
	annotationFormats       = "qq-formats"
	annotationFormatDefault = "qq-format-default"
)

// formats is the Annotations value of a command offering the --format
// values offered, def its default. The root command's PersistentPreRunE
// checks --format against it (chooseFormat) and completion offers them:
// each command declares its formats once.
func formats(def string, offered ...string) map[string]string {
	return map[string]string{annotationFormats: strings.Join(offered, " "), annotationFormatDefault: def}
}

// withFormats gives cmd the annotations of formats and returns it.
func withFormats(cmd *cobra.Command, def string, offered ...string) *cobra.Command {
	cmd.Annotations = formats(def, offered...)
	return cmd
}

// offeredFormats are the --format values cmd offers (none: it has no
// --format choice).
func offeredFormats(cmd *cobra.Command) []string {
	return strings.Fields(cmd.Annotations[annotationFormats])
}

// chooseFormat sets a.output to the format cmd writes, from --format and
// the formats cmd offers; a command offering none ignores --format.
func (a *app) chooseFormat(cmd *cobra.Command) error {
	offered := offeredFormats(cmd)
	if len(offered) == 0 {
		return nil
	}
	var err error
	a.output, err = a.formatFor(cmd.Annotations[annotationFormatDefault], offered...)
	return err
}

// formatFor checks --format against the formats a command offers and returns
// the one to use. With no --format the command's default is used: table on a
// terminal, plain lines when piped, unless the command says otherwise.
func (a *app) formatFor(def string, offered ...string) (string, error) {
	f := a.format
	if f == "" {
		f = def
	}
	if f == "" {
		f = formatPlain
		if a.stdoutTTY {
			f = formatTable
		}
	}
	if !slices.Contains(offered, f) {
		return "", usageErrorf("--format %s is not offered here; choose one of: %s", f, strings.Join(offered, ", "))
	}
	return f, nil
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// humanBytes formats a byte count for people: 512 B, 1.5 KiB, 34.0 MiB
// (qmailqueue.FormatSize).
func humanBytes(n int64) string { return qmailqueue.FormatSize(n) }

// humanAge formats a duration the way admins read queue ages: 45s, 12m, 3h05m,
// 2d04h (qmailqueue.FormatAge).
func humanAge(d time.Duration) string { return qmailqueue.FormatAge(d) }
