// Package termsafe makes text from untrusted sources (mail in the queue,
// qmail-send's log, control files) safe to print on a terminal.
//
// A terminal acts on some of the bytes it is sent: ESC starts sequences that
// move the cursor, clear the screen, set the window title (OSC 0) or write
// the clipboard (OSC 52); other C0 controls, DEL and the C1 controls (U+0080
// to U+009F, which some terminals read as ESC sequences too) do the same or
// erase what is on the line. A sender can put any of them in a Subject, a
// body or an address. [Text] and [Line] show each such byte visibly instead,
// in Go's escape notation:
//
//	ESC (0x1b)                   \x1b
//	other C0 controls, DEL       \x00 … \x1f, \x7f (\t, \n, \r where a layout keeps them, see below)
//	C1 controls U+0080–U+009F     \u0080 … \u009f
//	a byte that is not UTF-8      \xeb (the byte's value)
//
// Everything else, including printable non-ASCII text, is kept as it is.
// Backslashes are not doubled: the output is for reading, not for parsing
// back; the exact bytes are what qq's --raw output and JSON give.
//
// The package does not decide whether its output is a terminal: the caller
// does, and uses these functions only then, so that pipes and files get the
// bytes unchanged.
package termsafe

import (
	"strings"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// Text returns s safe to print on a terminal, keeping its layout: tab and
// newline stay, and so does a carriage return right before a newline (a
// CRLF line end, which only moves the cursor to where the newline takes it
// anyway). Use it for multi-line text such as a message body or a header
// block.
func Text(s string) string { return escape(s, true) }

// Line returns s safe to print on a terminal as (part of) one line: tab,
// newline and carriage return are escaped too, as \t, \n and \r, so that a
// value cannot break a table or a line-oriented listing.
func Line(s string) string { return escape(s, false) }

// escape implements Text (layout true) and Line (layout false).
func escape(s string, layout bool) string {
	i := firstUnsafe(s, layout)
	if i == len(s) {
		return s // the common case: nothing to do, nothing allocated
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\t' && layout, c == '\n' && layout:
				b.WriteByte(c)
			case c == '\r' && layout && i+1 < len(s) && s[i+1] == '\n':
				b.WriteByte(c)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\x`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		case isC1(r):
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte of s that escape changes,
// or len(s).
func firstUnsafe(s string, layout bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				keep := layout && (c == '\t' || c == '\n' || c == '\r' && i+1 < len(s) && s[i+1] == '\n')
				if !keep {
					return i
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isC1(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// isC1 reports whether r is one of the C1 control characters.
func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }
