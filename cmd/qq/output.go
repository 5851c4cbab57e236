package main

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

// Output formats shared by several commands. A command lists the ones it
// offers; some add their own (qread, qstat, ids, svstat).
const (
	formatTable = "table" // a go-pretty table for people
	formatPlain = "plain" // tab-separated lines with a header, for pipes and awk
	formatJSON  = "json"  // JSON (JSON Lines for listings)
)

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
