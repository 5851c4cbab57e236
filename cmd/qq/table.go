package main

import (
	"io"
	"time"

	"github.com/qqmail/qq/cmd/internal/columns"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/qmailqueue"
)

// This file is the one table layer every command draws its tables for
// people with. cmd/internal/columns fits and draws them (columns cut with
// … by display width, hidden by priority when the terminal is too narrow,
// --wide, tables streamed row by row); ui measures the terminal and
// colours cells for what they mean. Pipes never see it: they get
// tab-separated lines.

// col describes one column of a table for people.
type col = columns.Spec

// cell is a table cell with an optional colour.
type cell = columns.Cell

// palette colours text when colour is on.
func (a *app) palette() ui.Palette { return ui.Palette{On: a.color} }

// paint returns s as a cell in the colour of m when colour is on.
func (a *app) paint(s string, m ui.Meaning) cell { return a.palette().Cell(s, m) }

// ageCell is a message age for a table, coloured by how near it is to
// the queue lifetime (ui.Palette.Age).
func (a *app) ageCell(age, lifetime time.Duration) cell {
	return a.palette().Age(qmailqueue.FormatAge(age), age, lifetime)
}

// severityCell colours a severity word of fsck or check (ui.Palette.Severity).
func (a *app) severityCell(s string) cell { return a.palette().Severity(s) }

// severityText is severityCell for a line that is not a table (qq check).
func (a *app) severityText(s string) string { return a.severityCell(s).Painted() }

// layout is what tables fit: the terminal's width, or everything with --wide.
func (a *app) layout() columns.Layout { return columns.Layout{Width: a.width, Wide: a.wide} }

// tableView is a table whose rows are qq values (strings, numbers, cells).
type tableView struct{ *columns.Table }

// newTable starts a table with the given columns, written to w.
func (a *app) newTable(w io.Writer, cols ...col) *tableView {
	return &tableView{columns.NewTable(w, a.layout(), cols...)}
}

func (t *tableView) row(values ...any)       { t.Row(columns.Values(values...)...) }
func (t *tableView) separator()              { t.Separator() }
func (t *tableView) setFooter(values ...any) { t.Footer(columns.Values(values...)...) }
func (t *tableView) render() error           { return t.Render() }

// streamTable is a table written row by row (qq list): the first rows
// show as soon as they are scanned.
type streamTable struct{ *columns.Stream }

// newStreamTable starts a streamed table on w.
func (a *app) newStreamTable(w io.Writer, cols ...col) *streamTable {
	return &streamTable{columns.NewStream(w, a.layout(), cols...)}
}

func (s *streamTable) row(values ...any)   { s.Row(columns.Values(values...)...) }
func (s *streamTable) close(footer string) { s.Close(footer) }
