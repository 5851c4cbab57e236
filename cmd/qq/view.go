package main

import (
	"time"

	"github.com/qqmail/qq/msgview"
	"github.com/qqmail/qq/termsafe"
)

// The commands' names for msgview's and termsafe's helpers.

// rfc3339 writes a time as the JSON schemas do.
func rfc3339(t time.Time) string { return msgview.RFC3339(t) }

// angle returns the sender the way qmail prints it: <addr>, <> for null.
func angle(s string) string { return "<" + s + ">" }

// printable replaces bytes outside 32..126 with _, as qmail-qread does.
func printable(s string) string { return termsafe.ASCIIOnly(s) }

// printableText replaces control characters with _, keeping UTF-8.
func printableText(s string) string { return termsafe.NoControls(s) }

// escaper prepares text from the queue, the log and control files for
// human output: on a terminal (true) through termsafe, elsewhere as it is
// (termsafe.Escaper). --raw and JSON never go through it.
type escaper bool

// esc returns the escaper for standard output.
func (a *app) esc() escaper { return escaper(a.stdoutTTY) }

// field prepares one value shown on one line or in one table cell.
func (tty escaper) field(s string) string { return termsafe.Escaper(tty).Field(s) }

// line prepares one line of text on a terminal, as it is elsewhere.
func (tty escaper) line(s string) string { return termsafe.Escaper(tty).Line(s) }

// text prepares multi-line text (a message body): tabs and newlines kept.
func (tty escaper) text(s string) string { return termsafe.Escaper(tty).Text(s) }

// appendLine appends one line read from a log or a control file, without its
// newline: on a terminal escaped, otherwise byte for byte.
func appendLine[T string | []byte](tty escaper, dst []byte, line T) []byte {
	if tty {
		return append(dst, termsafe.Line(string(line))...)
	}
	return append(dst, line...)
}
