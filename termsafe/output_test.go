package termsafe

import "testing"

func TestASCIIOnlyAndNoControls(t *testing.T) {
	for _, tc := range []struct{ in, ascii, noControls string }{
		{"a@b.example", "a@b.example", "a@b.example"},
		{"x\x1b[2Jy", "x_[2Jy", "x_[2Jy"},
		{"Grüße\tja", "Gr____e_ja", "Grüße_ja"},
		{"c1\u0085del\x7f", "c1__del_", "c1_del_"},
	} {
		if got := ASCIIOnly(tc.in); got != tc.ascii {
			t.Errorf("ASCIIOnly(%q) = %q, want %q", tc.in, got, tc.ascii)
		}
		if got := NoControls(tc.in); got != tc.noControls {
			t.Errorf("NoControls(%q) = %q, want %q", tc.in, got, tc.noControls)
		}
	}
}

func TestEscaper(t *testing.T) {
	const s = "a\tb\x1bc\n"
	tty, pipe := Escaper(true), Escaper(false)
	for _, tc := range []struct{ name, got, want string }{
		{"tty field", tty.Field(s), `a\tb\x1bc\n`},
		{"tty line", tty.Line(s), `a\tb\x1bc\n`},
		{"tty text", tty.Text(s), "a\tb\\x1bc\n"},
		{"pipe field", pipe.Field(s), "a_b_c_"},
		{"pipe line", pipe.Line(s), s},
		{"pipe text", pipe.Text(s), s},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
