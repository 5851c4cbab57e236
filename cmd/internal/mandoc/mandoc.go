// Package mandoc loads qq's help texts (Help: one plain-text file per
// command, shared sections included) and prepares a command tree for the
// documentation generated from it: it turns the texts into the Markdown
// that cobra's man page generator reads, so that the man pages show them
// as written ("<qmail-dir>" is not taken for an HTML tag, "*" and "_" are
// not emphasis, and indented lines keep their line breaks), and writes the
// man pages and the shell completion scripts.
package mandoc

import "strings"

// Text turns plain help text into Markdown that renders the same:
// plain lines are escaped, indented lines become code blocks (preceded by a
// blank line, which Markdown needs to end a paragraph).
func Text(s string) string {
	if s == "" {
		return s
	}
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines)+8)
	prevText := false
	for _, line := range lines {
		switch {
		case strings.TrimSpace(line) == "":
			out = append(out, "")
			prevText = false
		case line[0] == ' ' || line[0] == '\t':
			if prevText {
				out = append(out, "")
			}
			out = append(out, "    "+line)
			prevText = false
		default:
			out = append(out, Escape(line, 0))
			prevText = true
		}
	}
	return strings.Join(out, "\n")
}

// Escape backslash-escapes the characters Markdown gives a
// meaning, but keep.
func Escape(s string, keep rune) string {
	var b strings.Builder
	for _, r := range s {
		if r != keep && strings.ContainsRune("\\`*_{}[]<>#|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
