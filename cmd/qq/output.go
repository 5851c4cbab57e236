package main

import (
	"encoding/json"
	"io"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// The formats most commands offer: for people and pipes, or for pipes only
// (the commands that report a change).
var (
	tableFormats = []string{cmdutil.FormatTable, cmdutil.FormatPlain, cmdutil.FormatJSON}
	plainFormats = []string{cmdutil.FormatPlain, cmdutil.FormatJSON}
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
