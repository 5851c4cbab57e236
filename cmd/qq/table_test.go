package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/qqmail/qq/cmd/internal/columns"
	"github.com/qqmail/qq/cmd/internal/ui"
)

// ansiRE matches the colour codes qq writes.
var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// testApp is an app writing to buffers, with the given terminal width.
func testApp(width int, color bool) (*app, *bytes.Buffer) {
	var out bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &out, func(string) string { return "" })
	a.width, a.color = width, color
	return a, &out
}

// TestTableLooksLikeGoPretty: with room enough, the table layer draws
// exactly what go-pretty's StyleLight drew before it, footer included.
func TestTableLooksLikeGoPretty(t *testing.T) {
	a, out := testApp(0, false)
	tv := a.newTable(out, col{Name: "SENDER"}, col{Name: "MESSAGES", Right: true}, col{Name: "SIZE", Right: true})
	tv.row("promo@cheap-meds.example", 3, "696 B")
	tv.row("alice@example.com", 1, "387 B")
	tv.setFooter("TOTAL (2 groups)", 4, "1.1 KiB")
	if err := tv.render(); err != nil {
		t.Fatal(err)
	}

	var want bytes.Buffer
	gp := table.NewWriter()
	gp.SetOutputMirror(&want)
	style := table.StyleLight
	style.Format.Footer = text.FormatDefault
	gp.SetStyle(style)
	gp.AppendHeader(table.Row{"SENDER", "MESSAGES", "SIZE"})
	gp.SetColumnConfigs([]table.ColumnConfig{{Number: 3, Align: text.AlignRight, AlignFooter: text.AlignRight}})
	gp.AppendRow(table.Row{"promo@cheap-meds.example", 3, "696 B"})
	gp.AppendRow(table.Row{"alice@example.com", 1, "387 B"})
	gp.AppendFooter(table.Row{"TOTAL (2 groups)", 4, "1.1 KiB"})
	gp.Render()
	if out.String() != want.String() {
		t.Errorf("got\n%s\nwant (go-pretty)\n%s", out, want.String())
	}
}

// TestTableFitsAndColours: a narrow terminal cuts and wraps cells, hides
// columns by priority, and colour codes take no width.
func TestTableFitsAndColours(t *testing.T) {
	// The colour decision is the app's (ui.Palette), whatever go-pretty's
	// global switch says.
	text.DisableColors()
	a, out := testApp(40, true)
	tv := a.newTable(out, col{Name: "ID"}, col{Name: "STATE"}, col{Name: "SENDER", Min: 8},
		col{Name: "NOTE", Min: 8, Wrap: true}, col{Name: "EXTRA", Drop: 1})
	tv.row(12345, a.paint("broken", ui.Bad), "a-very-long-sender@example.com", "wrapped onto more lines", "hidden")
	if err := tv.render(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := "┌───────┬────────┬──────────┬──────────┐\n" +
		"│ ID    │ STATE  │ SENDER   │ NOTE     │\n" +
		"├───────┼────────┼──────────┼──────────┤\n" +
		"│ 12345 │ \x1b[91;1mbroken\x1b[0m │ a-very-… │ wrapped  │\n" +
		"│       │        │          │ onto     │\n" +
		"│       │        │          │ more     │\n" +
		"│       │        │          │ lines    │\n" +
		"└───────┴────────┴──────────┴──────────┘\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, line := range strings.Split(ansiRE.ReplaceAllString(got, ""), "\n") {
		if columns.Width(line) > 40 {
			t.Errorf("line wider than 40: %q", line)
		}
	}
}
