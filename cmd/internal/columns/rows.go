package columns

import (
	"bufio"
	"io"
)

// WriteRows writes rows under the column names header, the same rows
// either way: as a table fitted to l when table is set, or else as
// tab-separated lines with the names first, for pipes and awk (cells
// unpainted). In the table the first column names the row and is never
// cut or hidden; the others may be cut down to 8 cells and, when even that
// is too narrow, the last ones are hidden first. No rows write nothing.
func WriteRows(w io.Writer, l Layout, table bool, header []string, rows [][]Cell) error {
	if len(rows) == 0 {
		return nil
	}
	if table {
		cols := make([]Spec, len(header))
		for i, name := range header {
			cols[i] = Spec{Name: name, Min: 8, Drop: i}
		}
		cols[0].Min = 0
		t := NewTable(w, l, cols...)
		for _, r := range rows {
			t.Row(r...)
		}
		return t.Render()
	}
	b := bufio.NewWriter(w)
	for i, name := range header {
		writeField(b, i, name)
	}
	for _, r := range rows {
		b.WriteByte('\n')
		for i, c := range r {
			writeField(b, i, c.Text)
		}
	}
	b.WriteByte('\n')
	return b.Flush()
}

// writeField writes the i-th field of a tab-separated line.
func writeField(b *bufio.Writer, i int, s string) {
	if i > 0 {
		b.WriteByte('\t')
	}
	b.WriteString(s)
}
