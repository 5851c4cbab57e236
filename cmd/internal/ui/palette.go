package ui

import (
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/qqmail/qq/cmd/internal/columns"
)

// Meaning is what a coloured piece of text tells the reader; a Palette
// gives each meaning its colour.
type Meaning int

// The meanings qq colours.
const (
	Plain Meaning = iota // no colour
	Bad                  // broken, down, errors, about to expire: bright red, bold
	Warn                 // bouncing, paused, warnings, old: yellow
	Good                 // up, ok: green
	Dim                  // not yet preprocessed, informational: faint
)

// escapes are the colour codes that start each meaning's text.
var escapes = [...]string{
	Bad:  text.Colors{text.FgHiRed, text.Bold}.EscapeSeq(),
	Warn: text.Colors{text.FgYellow}.EscapeSeq(),
	Good: text.Colors{text.FgGreen}.EscapeSeq(),
	Dim:  text.Colors{text.Faint}.EscapeSeq(),
}

// Palette paints text in the colour of its meaning when On (the decision
// UseColor makes); otherwise text stays as it is.
type Palette struct{ On bool }

// Cell returns s as a table cell painted for m.
func (p Palette) Cell(s string, m Meaning) columns.Cell {
	if !p.On || m == Plain {
		return columns.Cell{Text: s}
	}
	seq := escapes[m]
	return columns.Cell{Text: s, Paint: func(s string) string { return text.Escape(s, seq) }}
}

// Text returns s painted for m, for lines that are not tables.
func (p Palette) Text(s string, m Meaning) string { return p.Cell(s, m).Painted() }

// Age returns the text of an age as a right-aligned cell, coloured by how
// near the age is to lifetime: Warn past three quarters of it, Bad in its
// last hour (for a queued message: qmail-send is about to bounce it). A
// lifetime of 0 colours nothing.
func (p Palette) Age(s string, age, lifetime time.Duration) columns.Cell {
	m := Plain
	switch {
	case lifetime > 0 && age >= lifetime-time.Hour:
		m = Bad
	case lifetime > 0 && age >= lifetime*3/4:
		m = Warn
	}
	c := p.Cell(s, m)
	c.Right = true
	return c
}

// Severity returns a severity word (of fsck, check or a Nagios state) as
// a cell: error, critical and unknown Bad, warning Warn, info Dim, ok
// Good, in any case; other words plain.
func (p Palette) Severity(s string) columns.Cell {
	switch strings.ToLower(s) {
	case "error", "critical", "unknown":
		return p.Cell(s, Bad)
	case "warning":
		return p.Cell(s, Warn)
	case "info":
		return p.Cell(s, Dim)
	case "ok":
		return p.Cell(s, Good)
	}
	return p.Cell(s, Plain)
}
