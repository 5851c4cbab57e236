package mandoc

import (
	"testing"
	"testing/fstest"
)

func TestHelp(t *testing.T) {
	files := fstest.MapFS{
		"help/list.txt":     {Data: []byte("List messages.\n{{filters}}\nEXIT\n{{nope}}\n")},
		"help/_filters.txt": {Data: []byte("  --sender ADDR\n")},
	}
	h := NewHelp(files, "help")
	want := "List messages.\n  --sender ADDR\nEXIT\n(help text _nope missing)"
	if got := h.Long("list"); got != want {
		t.Errorf("Long:\n%q\nwant\n%q", got, want)
	}
	if got := h.Text("list"); got != "List messages.\n{{filters}}\nEXIT\n{{nope}}" {
		t.Errorf("Text = %q", got)
	}
	if got := h.Long("rm"); got != "(help text rm missing)" {
		t.Errorf("Long of a missing file = %q", got)
	}
}
