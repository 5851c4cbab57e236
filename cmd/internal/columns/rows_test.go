package columns

import (
	"strings"
	"testing"
)

func TestWriteRows(t *testing.T) {
	header := []string{"NAME", "VALUE", "NOTES"}
	rows := [][]Cell{
		{{Text: "queuelifetime"}, {Text: "604800", Right: true}, {Text: "a long note that is cut on a narrow terminal"}},
		{{Text: "me"}, {Text: "mail.example.com"}, {}},
	}
	var plain strings.Builder
	if err := WriteRows(&plain, Layout{Width: 20}, false, header, rows); err != nil {
		t.Fatal(err)
	}
	want := "NAME\tVALUE\tNOTES\n" +
		"queuelifetime\t604800\ta long note that is cut on a narrow terminal\n" +
		"me\tmail.example.com\t\n"
	if plain.String() != want {
		t.Errorf("plain:\n%q\nwant\n%q", plain.String(), want)
	}

	var table strings.Builder
	if err := WriteRows(&table, Layout{Width: 30}, true, header, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[1], "│ NAME ") || !strings.Contains(lines[3], "queuelifetime") {
		t.Fatalf("table:\n%s", table.String())
	}
	for _, l := range lines {
		if w := Width(l); w > 30 {
			t.Errorf("line %q is %d cells wide, want at most 30", l, w)
		}
	}
	// The first column is never cut; the last is hidden first.
	if strings.Contains(table.String(), "NOTES") || !strings.Contains(table.String(), "VALUE") || !strings.Contains(table.String(), "queuelifetime") {
		t.Errorf("want NOTES hidden, VALUE kept and NAME whole at width 30:\n%s", table.String())
	}

	var none strings.Builder
	if err := WriteRows(&none, Layout{}, false, header, nil); err != nil || none.Len() != 0 {
		t.Errorf("no rows wrote %q, %v; want nothing", none.String(), err)
	}
}
