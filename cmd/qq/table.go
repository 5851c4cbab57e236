package main

import (
	"bufio"
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
// people with: columns that fit the terminal (cut with … by display width,
// hidden when the terminal is too narrow, per each column's minimum and
// priority), colour where it carries meaning, and tables that stream row
// by row to the pager. Pipes never see it: they get tab-separated lines.
// The look is go-pretty's StyleLight, which the tables used before.

// col describes one column of a table for people.
type col struct {
	name  string
	right bool // align right (counts, sizes, ages)
	min   int  // may be cut down to min cells; 0: never cut
	max   int  // cut beyond max cells unless --wide; 0: no cap
	drop  int  // hidden when the terminal is too narrow, highest first; 0: never
	wrap  bool // wrap long cells onto more lines instead of cutting them
	// width is what a streamed table reserves for the column, whose cells
	// it has not seen: the width its values take (IDs, dates), or for
	// free text the most it may use.
	width int
}

// cell is a table cell with an optional colour.
type cell struct {
	text   string
	right  bool
	paint  text.Colors
	header bool // a column name: aligned by right alone
}

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
		return cell{text: s}
	}
	return cell{text: s, paint: c}
}

// ageCell is a message age for a table: yellow past three quarters of
// the queue lifetime, red in its last hour (qmail-send is about to bounce
// the message).
func (a *app) ageCell(age, lifetime time.Duration) cell {
	c := cell{text: humanAge(age), right: true}
	switch {
	case lifetime > 0 && age >= lifetime-time.Hour:
		c.paint = colorBad
	case lifetime > 0 && age >= lifetime*3/4:
		c.paint = colorWarn
	}
	if !a.color {
		c.paint = nil
	}
	return c
}

// String is the cell's text, in its colour if it has one (for lines that
// are not tables, such as qq check's).
func (c cell) String() string {
	if c.paint != nil {
		return c.paint.Sprint(c.text)
	}
	return c.text
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
	return cell{text: s}
}

// toCell converts a value to a cell; numbers are right-aligned, as
// go-pretty did.
func toCell(v any) cell {
	switch x := v.(type) {
	case cell:
		return x
	case string:
		return cell{text: x}
	case int, int64, uint64, int32, uint32, float64:
		return cell{text: fmt.Sprint(x), right: true}
	}
	return cell{text: fmt.Sprint(v)}
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

// tableView collects the rows of a table for people and renders them fitted
// to the terminal.
type tableView struct {
	a      *app
	w      io.Writer
	title  string
	cols   []col
	rows   [][]cell // a nil row is a separator line
	footer []cell
	// headerAsIs keeps the column names as given and aligns them like
	// their cells (shape's bucket labels: 5m, 1h); else they are upper
	// case and left-aligned.
	headerAsIs bool
	noHeader   bool // a two-column list of names and values (stat)
}

// newTable starts a table with the given columns, written to w.
func (a *app) newTable(w io.Writer, cols ...col) *tableView {
	return &tableView{a: a, w: w, cols: cols}
}

// row appends a row; values are strings, numbers or painted cells.
func (t *tableView) row(values ...any) {
	r := make([]cell, len(t.cols))
	for i, v := range values {
		if i < len(r) {
			r[i] = toCell(v)
		}
	}
	t.rows = append(t.rows, r)
}

// separator draws a line after the rows so far.
func (t *tableView) separator() { t.rows = append(t.rows, nil) }

// setFooter sets the footer row, drawn below a line.
func (t *tableView) setFooter(values ...any) {
	t.footer = make([]cell, len(t.cols))
	for i, v := range values {
		if i < len(t.footer) {
			t.footer[i] = toCell(v)
		}
	}
}

// render writes the table, if it has rows.
func (t *tableView) render() error {
	if len(t.rows) == 0 {
		return nil
	}
	natural := make([]int, len(t.cols))
	for i, c := range t.cols {
		if !t.noHeader {
			natural[i] = columns.Width(c.name)
		}
	}
	for _, r := range append(t.rows, t.footer) {
		for i, c := range r {
			natural[i] = max(natural[i], columns.Width(c.text))
		}
	}
	b := bufio.NewWriter(t.w)
	d := t.a.drawer(b, t.cols, natural)
	d.top(t.title)
	if !t.noHeader {
		d.header(t.headerAsIs)
	}
	for _, r := range t.rows {
		if r == nil {
			d.rule("├", "┼", "┤")
			continue
		}
		d.cells(r)
	}
	if t.footer != nil {
		d.rule("├", "┼", "┤")
		d.cells(t.footer)
	}
	d.rule("└", "┴", "┘")
	return b.Flush()
}

// streamTable writes a table row by row: its column widths come from the
// terminal's width and the columns' declared widths, not from the data, so
// the first rows appear as soon as they are scanned.
type streamTable struct {
	d       *drawer
	rows    int
	flushed time.Time
}

// newStreamTable starts a streamed table on w.
func (a *app) newStreamTable(w io.Writer, cols ...col) *streamTable {
	natural := make([]int, len(cols))
	for i, c := range cols {
		natural[i] = max(c.width, columns.Width(c.name))
	}
	return &streamTable{d: a.drawer(w, cols, natural)}
}

// row writes one row, after the header on the first.
func (s *streamTable) row(values ...any) {
	if s.rows == 0 {
		s.d.top("")
		s.d.header(false)
	}
	r := make([]cell, len(s.d.cols))
	for i, v := range values {
		if i < len(r) {
			r[i] = toCell(v)
		}
	}
	s.d.cells(r)
	s.rows++
	// Flush the first screen row by row, then a few times a second, so a
	// person sees rows as they come without a write per row.
	if f, ok := s.d.w.(interface{ Flush() error }); ok && (s.rows <= 100 || time.Since(s.flushed) > 100*time.Millisecond) {
		f.Flush()
		s.flushed = time.Now()
	}
}

// close ends the table and writes the footer line below it, if any rows.
func (s *streamTable) close(footer string) {
	if s.rows == 0 {
		return
	}
	s.d.rule("└", "┴", "┘")
	if footer != "" {
		io.WriteString(s.d.w, columns.Truncate(footer, s.d.total())+"\n")
	}
}

// drawer draws the lines of a table whose column widths are settled.
type drawer struct {
	w      io.Writer
	cols   []col
	widths []int // -1: hidden
	cut    bool  // cut cells to width (false with --wide)
}

// drawer settles the column widths: natural widths capped by each column's
// max, then fitted to the terminal (unless --wide).
func (a *app) drawer(w io.Writer, cols []col, natural []int) *drawer {
	fit := make([]columns.Column, len(cols))
	for i, c := range cols {
		n := natural[i]
		if c.max > 0 && !a.wide {
			n = min(n, max(c.max, columns.Width(c.name)))
		}
		m := 0
		if c.min > 0 {
			m = min(c.min, n) // the column name is cut too, if need be
		}
		fit[i] = columns.Column{Natural: n, Min: m, Drop: c.drop}
	}
	total := a.width
	if a.wide {
		total = 0
	}
	// Each column costs its width plus "│ " before and " " after; the
	// frame adds the closing "│".
	return &drawer{w: w, cols: cols, widths: columns.Fit(fit, total, 3, 1), cut: !a.wide}
}

// total is the table's width in cells.
func (d *drawer) total() int {
	n := 1
	for _, w := range d.widths {
		if w >= 0 {
			n += w + 3
		}
	}
	return n
}

// rule draws a horizontal line with the given corner and joint characters.
func (d *drawer) rule(left, joint, right string) {
	var b strings.Builder
	b.WriteString(left)
	first := true
	for _, w := range d.widths {
		if w < 0 {
			continue
		}
		if !first {
			b.WriteString(joint)
		}
		first = false
		b.WriteString(strings.Repeat("─", w+2))
	}
	b.WriteString(right + "\n")
	io.WriteString(d.w, b.String())
}

// top draws the top line, with a title box above it if title is set.
func (d *drawer) top(title string) {
	if title == "" {
		d.rule("┌", "┬", "┐")
		return
	}
	inner := d.total() - 4
	io.WriteString(d.w, "┌"+strings.Repeat("─", inner+2)+"┐\n")
	io.WriteString(d.w, "│ "+columns.Pad(columns.Truncate(title, inner), inner, false)+" │\n")
	d.rule("├", "┬", "┤")
}

// header draws the column names (upper case unless keep) and a line.
func (d *drawer) header(keep bool) {
	r := make([]cell, len(d.cols))
	for i, c := range d.cols {
		name := c.name
		if !keep {
			name = strings.ToUpper(name)
		}
		r[i] = cell{text: name, right: c.right && keep, header: true}
	}
	d.cells(r)
	d.rule("├", "┼", "┤")
}

// cells draws one row: each cell cut (or wrapped) to its column's width,
// aligned, and painted; a wrapped row takes several lines.
func (d *drawer) cells(r []cell) {
	lines := make([][]string, len(r))
	height := 1
	for i, c := range r {
		w := d.widths[i]
		if w < 0 {
			continue
		}
		switch {
		case !d.cut:
			lines[i] = []string{c.text}
		case d.cols[i].wrap:
			lines[i] = columns.Wrap(c.text, w)
		default:
			lines[i] = []string{columns.Truncate(c.text, w)}
		}
		height = max(height, len(lines[i]))
	}
	var b strings.Builder
	for l := range height {
		b.WriteString("│")
		for i, c := range r {
			w := d.widths[i]
			if w < 0 {
				continue
			}
			s := ""
			if l < len(lines[i]) {
				s = lines[i][l]
			}
			pad := columns.Pad(s, w, c.right || (d.cols[i].right && !c.header))
			if c.paint != nil && s != "" {
				pad = strings.Replace(pad, s, c.paint.Sprint(s), 1)
			}
			b.WriteString(" " + pad + " │")
		}
		b.WriteString("\n")
	}
	io.WriteString(d.w, b.String())
}
