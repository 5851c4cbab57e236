package mandoc

import "testing"

func TestText(t *testing.T) {
	in := "Remove <qmail-dir>/queue files_here *now*.\nEXAMPLES\n  qq rm --match '^Subject: x'\n  qq list | wc -l\nafter"
	// Code blocks keep their text; only plain lines are escaped.
	want := "Remove \\<qmail-dir\\>/queue files\\_here \\*now\\*.\nEXAMPLES\n\n      qq rm --match '^Subject: x'\n      qq list | wc -l\nafter"
	if got := Text(in); got != want {
		t.Errorf("Text:\n%q\nwant\n%q", got, want)
	}
	if Text("") != "" {
		t.Error("Text of nothing is not nothing")
	}
}

func TestEscapeKeeps(t *testing.T) {
	if got := Escape("`DIR` <x>", '`'); got != "`DIR` \\<x\\>" {
		t.Errorf("Escape = %q", got)
	}
}
