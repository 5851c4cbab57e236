// Package columns lays out text in columns on a terminal: the display
// width of a string (wide CJK characters and emoji count two cells, a
// grapheme cluster such as a flag or a family emoji counts once), cutting
// a string to a width with an ellipsis, wrapping it, and choosing column
// widths that fit a terminal from each column's natural width, minimum and
// priority, and drawing tables with light box lines from it (or, for
// pipes, the same rows as tab-separated lines: [WriteRows]). It knows
// no terminal and no colour codes: ui measures the terminal, and its
// Palette paints cells.
package columns

import (
	"strings"

	"github.com/rivo/uniseg"
)

// Ellipsis ends a cell that was cut to fit.
const Ellipsis = "…"

// Width returns the number of terminal cells s occupies.
func Width(s string) int { return uniseg.StringWidth(s) }

// Truncate returns s cut to at most width cells, ending in … when it was
// cut. Grapheme clusters are never split; a wide character that would
// straddle the limit is left out.
func Truncate(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	var b strings.Builder
	used, state := 0, -1
	rest := s
	for rest != "" {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+w > width-1 {
			break
		}
		b.WriteString(cluster)
		used += w
	}
	b.WriteString(Ellipsis)
	return b.String()
}

// Pad returns s padded with spaces to width cells, on the left when right
// is set (right-aligned). A string already as wide is returned unchanged.
func Pad(s string, width int, right bool) string {
	n := width - Width(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

// Wrap breaks s into lines of at most width cells, at the places Unicode
// allows a line break (after spaces, hyphens, between CJK characters). A
// word wider than the line is cut into pieces. Wrap(s, 0) is []string{s}.
func Wrap(s string, width int) []string {
	if width <= 0 || Width(s) <= width {
		return []string{s}
	}
	var lines []string
	var line strings.Builder
	used, state := 0, -1
	rest := s
	for rest != "" {
		var seg string
		seg, rest, _, state = uniseg.FirstLineSegmentInString(rest, state)
		w := Width(strings.TrimRight(seg, " "))
		if used > 0 && used+w > width {
			lines = append(lines, strings.TrimRight(line.String(), " "))
			line.Reset()
			used = 0
		}
		for used == 0 && w > width { // a word longer than a line
			head, tail := splitAt(seg, width)
			lines = append(lines, head)
			seg = tail
			w = Width(strings.TrimRight(seg, " "))
		}
		line.WriteString(seg)
		used += Width(seg)
	}
	if line.Len() > 0 {
		lines = append(lines, strings.TrimRight(line.String(), " "))
	}
	return lines
}

// splitAt splits s after at most width cells, on a grapheme boundary.
func splitAt(s string, width int) (head, tail string) {
	used, state, i := 0, -1, 0
	rest := s
	for rest != "" {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+w > width && used > 0 {
			break
		}
		used += w
		i += len(cluster)
	}
	return s[:i], s[i:]
}

// Column describes one column for Fit.
type Column struct {
	// Natural is the width the column wants: its widest cell, or for a
	// streamed table the width its values usually take.
	Natural int
	// Min is the narrowest the column may become by cutting its cells; a
	// Min of 0 or at least Natural means the column is never cut.
	Min int
	// Drop orders the columns hidden when even the minimums do not fit:
	// the highest Drop goes first; 0 is never hidden.
	Drop int
}

// Fit chooses a width for each column so that the table fits in total
// cells, where each column costs its width plus gap cells and the table
// frame costs frame cells. A hidden column gets width -1. First columns
// are hidden, highest Drop first, until the minimums fit; then the columns
// that may be cut give up width in proportion to how far each is above its
// minimum. A total of 0 or less means no limit: every column keeps its
// natural width. If even the columns that are never hidden do not fit, the
// result is wider than total.
func Fit(cols []Column, total, gap, frame int) []int {
	widths := make([]int, len(cols))
	mins := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = c.Natural
		mins[i] = c.Natural
		if c.Min > 0 && c.Min < c.Natural {
			mins[i] = c.Min
		}
	}
	if total <= 0 {
		return widths
	}
	need := func(w []int) int {
		n := frame
		for _, x := range w {
			if x >= 0 {
				n += x + gap
			}
		}
		return n
	}
	// Hide columns, highest Drop first, until the minimums fit.
	for need(mins) > total {
		victim := -1
		for i, c := range cols {
			if mins[i] >= 0 && c.Drop > 0 && (victim < 0 || c.Drop > cols[victim].Drop) {
				victim = i
			}
		}
		if victim < 0 {
			break
		}
		mins[victim], widths[victim] = -1, -1
	}
	excess := need(widths) - total
	if excess <= 0 {
		return widths
	}
	slack := 0
	for i := range cols {
		if widths[i] >= 0 {
			slack += widths[i] - mins[i]
		}
	}
	if slack <= excess {
		copy(widths, mins)
		return widths
	}
	// Shrink in proportion to slack; hand out what rounding leaves over
	// from the last column backwards (later columns matter less).
	left := excess
	for i := range cols {
		if widths[i] < 0 {
			continue
		}
		cut := excess * (widths[i] - mins[i]) / slack
		widths[i] -= cut
		left -= cut
	}
	for i := len(cols) - 1; i >= 0 && left > 0; i-- {
		if widths[i] > mins[i] {
			cut := min(left, widths[i]-mins[i])
			widths[i] -= cut
			left -= cut
		}
	}
	return widths
}
