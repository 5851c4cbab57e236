package columns

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// This file draws tables in the look of go-pretty's StyleLight (light box
// lines), fitted to a terminal: a Table collects its rows and sizes its
// columns from them; a Stream writes each row at once, sizing its columns
// from their declared widths, so the first rows of a long listing show
// before the last are known.

// Spec describes one column of a table.
type Spec struct {
	Name  string
	Right bool // align right (counts, sizes, ages)
	Min   int  // may be cut down to Min cells; 0: never cut
	Max   int  // cut beyond Max cells unless Wide; 0: no cap
	Drop  int  // hidden when the terminal is too narrow, highest first; 0: never
	Wrap  bool // wrap long cells onto more lines instead of cutting them
	// Width is what a Stream reserves for the column, whose cells it has
	// not seen: the width its values take (IDs, dates), or for free text
	// the most it may use.
	Width int
}

// Cell is one cell of a table.
type Cell struct {
	Text  string
	Right bool
	// Paint, if set, wraps the (cut and wrapped) text in colour codes; the
	// codes take no width.
	Paint  func(string) string
	header bool // a column name: aligned by Right alone
}

// Painted is the cell's text in its colour, for lines that are not tables.
func (c Cell) Painted() string {
	if c.Paint != nil {
		return c.Paint(c.Text)
	}
	return c.Text
}

// Values turns values into cells: a Cell stays as it is, a string is its
// text, a number is right-aligned (as go-pretty aligned numbers), anything
// else is written with fmt.Sprint.
func Values(values ...any) []Cell {
	cells := make([]Cell, len(values))
	for i, v := range values {
		switch x := v.(type) {
		case Cell:
			cells[i] = x
		case string:
			cells[i] = Cell{Text: x}
		case int, int64, uint64, int32, uint32, float64:
			cells[i] = Cell{Text: fmt.Sprint(x), Right: true}
		default:
			cells[i] = Cell{Text: fmt.Sprint(v)}
		}
	}
	return cells
}

// Layout is what a table fits: Width cells (0: no limit), and Wide to
// turn cutting and hiding off altogether.
type Layout struct {
	Width int
	Wide  bool
}

// Table collects rows and renders them fitted to its Layout.
type Table struct {
	Title string
	// HeaderAsIs keeps the column names as given and aligns them like
	// their cells; else they are upper case and left-aligned.
	HeaderAsIs bool
	NoHeader   bool // no header line (a list of names and values)

	w      io.Writer
	layout Layout
	cols   []Spec
	rows   [][]Cell // a nil row is a separator line
	footer []Cell
}

// NewTable starts a table with the given columns, written to w.
func NewTable(w io.Writer, l Layout, cols ...Spec) *Table {
	return &Table{w: w, layout: l, cols: cols}
}

// Row appends a row; missing cells are empty.
func (t *Table) Row(cells ...Cell) { t.rows = append(t.rows, t.fill(cells)) }

// Separator draws a line after the rows so far.
func (t *Table) Separator() { t.rows = append(t.rows, nil) }

// Footer sets the footer row, drawn below a line.
func (t *Table) Footer(cells ...Cell) { t.footer = t.fill(cells) }

// Reset forgets the rows, to render the next batch as a new table.
func (t *Table) Reset() { t.rows, t.footer = nil, nil }

// Len is the number of rows and separators.
func (t *Table) Len() int { return len(t.rows) }

func (t *Table) fill(cells []Cell) []Cell {
	r := make([]Cell, len(t.cols))
	copy(r, cells)
	return r
}

// Render writes the table, if it has rows.
func (t *Table) Render() error {
	if len(t.rows) == 0 {
		return nil
	}
	natural := make([]int, len(t.cols))
	for i, c := range t.cols {
		if !t.NoHeader {
			natural[i] = Width(c.Name)
		}
	}
	for _, r := range append(t.rows, t.footer) {
		for i, c := range r {
			natural[i] = max(natural[i], Width(c.Text))
		}
	}
	b := bufio.NewWriter(t.w)
	d := newDrawer(b, t.layout, t.cols, natural)
	d.top(t.Title)
	if !t.NoHeader {
		d.header(t.HeaderAsIs)
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

// Stream writes a table row by row. Its column widths come from the
// layout and the columns' declared widths, not from the data.
type Stream struct {
	d       *drawer
	rows    int
	flushed time.Time
}

// NewStream starts a streamed table on w.
func NewStream(w io.Writer, l Layout, cols ...Spec) *Stream {
	natural := make([]int, len(cols))
	for i, c := range cols {
		natural[i] = max(c.Width, Width(c.Name))
	}
	return &Stream{d: newDrawer(w, l, cols, natural)}
}

// Rows is the number of rows written.
func (s *Stream) Rows() int { return s.rows }

// Row writes one row, after the header on the first. If w has a Flush
// method, the first screen is flushed row by row and later rows a few
// times a second, so a person sees rows as they come without a write per
// row.
func (s *Stream) Row(cells ...Cell) {
	if s.rows == 0 {
		s.d.top("")
		s.d.header(false)
	}
	r := make([]Cell, len(s.d.cols))
	copy(r, cells)
	s.d.cells(r)
	s.rows++
	if f, ok := s.d.w.(interface{ Flush() error }); ok && (s.rows <= 100 || time.Since(s.flushed) > 100*time.Millisecond) {
		f.Flush()
		s.flushed = time.Now()
	}
}

// Close ends the table and writes footer on a line below it, if any rows.
func (s *Stream) Close(footer string) {
	if s.rows == 0 {
		return
	}
	s.d.rule("└", "┴", "┘")
	if footer != "" {
		io.WriteString(s.d.w, Truncate(footer, s.d.total())+"\n")
	}
}

// drawer draws the lines of a table whose column widths are settled.
type drawer struct {
	w      io.Writer
	cols   []Spec
	widths []int // -1: hidden
	cut    bool  // cut cells to width (false when Wide)
}

// newDrawer settles the column widths: natural widths capped by each
// column's Max, then fitted to the layout (unless Wide).
func newDrawer(w io.Writer, l Layout, cols []Spec, natural []int) *drawer {
	fit := make([]Column, len(cols))
	for i, c := range cols {
		n := natural[i]
		if c.Max > 0 && !l.Wide {
			n = min(n, max(c.Max, Width(c.Name)))
		}
		m := 0
		if c.Min > 0 {
			m = min(c.Min, n) // the column name is cut too, if need be
		}
		fit[i] = Column{Natural: n, Min: m, Drop: c.Drop}
	}
	total := l.Width
	if l.Wide {
		total = 0
	}
	// Each column costs its width plus "│ " before and " " after; the
	// frame adds the closing "│".
	return &drawer{w: w, cols: cols, widths: Fit(fit, total, 3, 1), cut: !l.Wide}
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
	io.WriteString(d.w, "│ "+Pad(Truncate(title, inner), inner, false)+" │\n")
	d.rule("├", "┬", "┤")
}

// header draws the column names (upper case unless asIs) and a line.
func (d *drawer) header(asIs bool) {
	r := make([]Cell, len(d.cols))
	for i, c := range d.cols {
		name := c.Name
		if !asIs {
			name = strings.ToUpper(name)
		}
		r[i] = Cell{Text: name, Right: c.Right && asIs, header: true}
	}
	d.cells(r)
	d.rule("├", "┼", "┤")
}

// cells draws one row: each cell cut (or wrapped) to its column's width,
// aligned, and painted; a wrapped row takes several lines.
func (d *drawer) cells(r []Cell) {
	lines := make([][]string, len(r))
	height := 1
	for i, c := range r {
		w := d.widths[i]
		if w < 0 {
			continue
		}
		switch {
		case !d.cut:
			lines[i] = []string{c.Text}
		case d.cols[i].Wrap:
			lines[i] = Wrap(c.Text, w)
		default:
			lines[i] = []string{Truncate(c.Text, w)}
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
			right := c.Right || (d.cols[i].Right && !c.header)
			pad := Width(s)
			b.WriteString(" ")
			if right {
				b.WriteString(strings.Repeat(" ", max(0, w-pad)))
			}
			if c.Paint != nil && s != "" {
				b.WriteString(c.Paint(s))
			} else {
				b.WriteString(s)
			}
			if !right {
				b.WriteString(strings.Repeat(" ", max(0, w-pad)))
			}
			b.WriteString(" │")
		}
		b.WriteString("\n")
	}
	io.WriteString(d.w, b.String())
}
