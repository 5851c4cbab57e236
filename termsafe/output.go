package termsafe

import "strings"

// ASCIIOnly replaces every byte outside printable ASCII (32 to 126) with
// _, as qmail-qread does with addresses. The result is safe anywhere and
// one byte per byte of s: use it for envelope addresses and for the
// outputs that imitate qmail's tools.
func ASCIIOnly(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] > 126 {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] < 32 || b[j] > 126 {
					b[j] = '_'
				}
			}
			return string(b)
		}
	}
	return s
}

// NoControls keeps UTF-8 text (a decoded subject) but replaces the control
// characters (C0, DEL and C1) with _, so that a value stays one field of
// one line in a tab-separated format.
func NoControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r == 127 || isC1(r) {
			return '_'
		}
		return r
	}, s)
}

// Escaper prepares untrusted text for one output. For a terminal (true)
// it escapes with [Line] and [Text]; for any other output (a pipe, a file)
// it leaves the bytes as they are, except that [Escaper.Field] keeps a
// value on its line with [NoControls]. Byte-exact outputs (--raw, JSON)
// do not go through it.
type Escaper bool

// Field prepares one value shown on one line or in one table cell.
func (tty Escaper) Field(s string) string {
	if tty {
		return Line(s)
	}
	return NoControls(s)
}

// Line prepares one line of text on a terminal and leaves it as it is
// elsewhere.
func (tty Escaper) Line(s string) string {
	if tty {
		return Line(s)
	}
	return s
}

// Text prepares multi-line text (a message body) on a terminal, tabs and
// newlines kept, and leaves it as it is elsewhere.
func (tty Escaper) Text(s string) string {
	if tty {
		return Text(s)
	}
	return s
}
