package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/qqmail/qq/cmd/internal/columns"
	"golang.org/x/term"
)

// This file is the one table layer every command draws its tables for
// people with. cmd/internal/columns fits and draws them (columns cut with
// … by display width, hidden by priority when the terminal is too narrow,
// --wide, tables streamed row by row); this layer adds what it must not
// know: the terminal's width, colour, and qq's cell values. Pipes never
// see it: they get tab-separated lines.

// col describes one column of a table for people.
type col = columns.Spec

// cell is a table cell with an optional colour.
type cell = columns.Cell

// Colours for what they mean; a.paint uses them only when colour is on.
var (
	colorBad  = text.Colors{text.FgHiRed, text.Bold} // broken, down, errors, about to expire
	colorWarn = text.Colors{text.FgYellow}           // bouncing, paused, warnings, old
	colorGood = text.Colors{text.FgGreen}            // up, ok
	colorDim  = text.Colors{text.Faint}              // not yet preprocessed, informational
)

// paint returns s as a cell in colour c when colour is on.
func (a *app) paint(s string, c text.Colors) cell {
	if !a.color {
		return cell{Text: s}
	}
	return cell{Text: s, Paint: func(s string) string { return c.Sprint(s) }}
}

// ageCell is a message age for a table: yellow past three quarters of
// the queue lifetime, red in its last hour (qmail-send is about to bounce
// the message).
func (a *app) ageCell(age, lifetime time.Duration) cell {
	c := cell{Text: humanAge(age)}
	switch {
	case lifetime > 0 && age >= lifetime-time.Hour:
		c = a.paint(c.Text, colorBad)
	case lifetime > 0 && age >= lifetime*3/4:
		c = a.paint(c.Text, colorWarn)
	}
	c.Right = true
	return c
}

// severityCell colours a severity word of fsck or check: error and
// critical red, warning yellow, info dimmed, ok green.
func (a *app) severityCell(s string) cell {
	switch strings.ToLower(s) {
	case "error", "critical", "unknown":
		return a.paint(s, colorBad)
	case "warning":
		return a.paint(s, colorWarn)
	case "info":
		return a.paint(s, colorDim)
	case "ok":
		return a.paint(s, colorGood)
	}
	return cell{Text: s}
}

// severityText is severityCell for a line that is not a table (qq check).
func (a *app) severityText(s string) string { return paintText(a.severityCell(s)) }

// paintText is a cell's text in its colour, for lines that are not tables.
func paintText(c cell) string {
	if c.Paint != nil {
		return c.Paint(c.Text)
	}
	return c.Text
}

// toCells converts values to cells; numbers are right-aligned, as
// go-pretty did.
func toCells(values []any) []cell {
	cells := make([]cell, len(values))
	for i, v := range values {
		switch x := v.(type) {
		case cell:
			cells[i] = x
		case string:
			cells[i] = cell{Text: x}
		case int, int64, uint64, int32, uint32, float64:
			cells[i] = cell{Text: fmt.Sprint(x), Right: true}
		default:
			cells[i] = cell{Text: fmt.Sprint(v)}
		}
	}
	return cells
}

// terminalWidth is the width tables must fit: $COLUMNS when it is a
// positive number (tests, and shells that export it), else the width of
// the terminal on stdout, else 0 (no limit: a table asked for in a pipe).
func terminalWidth(stdout io.Writer, getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := stdout.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// layout is what tables fit: the terminal's width, or everything with --wide.
func (a *app) layout() columns.Layout { return columns.Layout{Width: a.width, Wide: a.wide} }

// tableView is a table whose rows are qq values (strings, numbers, cells).
type tableView struct{ *columns.Table }

// newTable starts a table with the given columns, written to w.
func (a *app) newTable(w io.Writer, cols ...col) *tableView {
	return &tableView{columns.NewTable(w, a.layout(), cols...)}
}

func (t *tableView) row(values ...any)       { t.Row(toCells(values)...) }
func (t *tableView) separator()              { t.Separator() }
func (t *tableView) setFooter(values ...any) { t.Footer(toCells(values)...) }
func (t *tableView) render() error           { return t.Render() }

// streamTable is a table written row by row (qq list): the first rows
// show as soon as they are scanned.
type streamTable struct{ *columns.Stream }

// newStreamTable starts a streamed table on w.
func (a *app) newStreamTable(w io.Writer, cols ...col) *streamTable {
	return &streamTable{columns.NewStream(w, a.layout(), cols...)}
}

func (s *streamTable) row(values ...any)   { s.Row(toCells(values)...) }
func (s *streamTable) close(footer string) { s.Close(footer) }
