package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

// Output formats shared by several commands. A command lists the ones it
// offers; some add their own (qread, qstat, ids, svstat).
const (
	formatTable = cmdutil.FormatTable // a go-pretty table for people
	formatPlain = cmdutil.FormatPlain // tab-separated lines with a header, for pipes and awk
	formatJSON  = cmdutil.FormatJSON  // JSON (JSON Lines for listings)
)

// The formats most commands offer: for people and pipes, or for pipes only
// (the commands that report a change).
var (
	tableFormats = []string{formatTable, formatPlain, formatJSON}
	plainFormats = []string{formatPlain, formatJSON}
)

// A command declares the --format values it offers, and its default, with
// formats (its Annotations) or withFormats; the root command checks
// --format against them and completion offers them.
var (
	formats     = cmdutil.Formats
	withFormats = cmdutil.WithFormats
)

// chooseFormat sets a.output to the format cmd writes, from --format and
// the formats cmd offers; a command offering none ignores --format.
func (a *app) chooseFormat(cmd *cobra.Command) error {
	var err error
	a.output, err = cmdutil.ChooseFormat(cmd, a.format, a.stdoutTTY)
	return err
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
