package tai64n

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Label
		err  bool
	}{
		// The example of cr.yp.to/daemontools/tai64nlocal.html.
		{in: "@4000000037c219bf2ef02e94", want: Label{Sec: 935467445, Nano: 787492500}},
		{in: "4000000037c219bf2ef02e94", want: Label{Sec: 935467445, Nano: 787492500}},
		{in: "@4000000037c219bf", want: Label{Sec: 935467445}},
		{in: "@400000000000000a00000000", want: Label{}},
		{in: "@400000000000000900000001", want: Label{Sec: -1, Nano: 1}},
		{in: "@400000000000000a3b9ac9ff", want: Label{Nano: 999999999}},
		{in: "@400000000000000a3b9aca00", err: true}, // 1e9 ns
		{in: "@4000000037C219BF2EF02E94", err: true}, // upper case
		{in: "@4000000037c219bf2ef02e9", err: true},  // 23 digits
		{in: "@4000000037c219bf2ef02e944", err: true},
		{in: "@zzzz", err: true},
		{in: "", err: true},
		{in: "@", err: true},
		{in: "@4000000037c219bg", err: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.err {
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("Parse(%q) = %v, %v; want ErrSyntax", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseFixedLength(t *testing.T) {
	if _, err := ParseTAI64N([]byte("@4000000037c219bf")); err == nil {
		t.Error("ParseTAI64N accepted a TAI64 label")
	}
	l, err := ParseTAI64([]byte("@4000000037c219bf"))
	if err != nil || l != (Label{Sec: 935467445}) {
		t.Errorf("ParseTAI64 = %+v, %v", l, err)
	}
	if _, err := ParseTAI64([]byte("4000000037c219bfx")); err == nil {
		t.Error("ParseTAI64 accepted a label without '@'")
	}
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = ParseTAI64N([]byte("@4000000037c219bf2ef02e94"))
	})
	if allocs != 0 {
		t.Errorf("ParseTAI64N allocates %v times per call", allocs)
	}
}

func TestFormat(t *testing.T) {
	tm := time.Date(1999, 8, 24, 4, 4, 5, 787492500, time.UTC)
	l := FromTime(tm)
	if got, want := l.String(), "@4000000037c219bf2ef02e94"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := string(l.AppendTAI64(nil)), "@4000000037c219bf"; got != want {
		t.Errorf("AppendTAI64 = %q, want %q", got, want)
	}
	if !l.Time().Equal(tm) {
		t.Errorf("Time() = %v, want %v", l.Time(), tm)
	}
	if got := l.TAI64(); got != 0x4000000037c219bf {
		t.Errorf("TAI64() = %#x", got)
	}
	if !(Label{Sec: 1}).Before(Label{Sec: 1, Nano: 1}) || (Label{Sec: 2}).Before(Label{Sec: 1, Nano: 5}) {
		t.Error("Before is wrong")
	}
	if !(Label{}).IsZero() || (Label{Nano: 1}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, sec := range []int64{-62167219200, -1, 0, 1, 935467445, 1<<31 - 1, 1 << 31, 253402300799} {
		for _, nano := range []uint32{0, 1, 500, 999999999} {
			l := Label{Sec: sec, Nano: nano}
			got, err := Parse(l.String())
			if err != nil || got != l {
				t.Errorf("Parse(%s) = %+v, %v; want %+v", l, got, err, l)
			}
		}
	}
}

func TestDecodeHex(t *testing.T) {
	tests := []struct {
		digits string
		want   Label
	}{
		{"4000000037c219bf2ef02e94", Label{Sec: 935467445, Nano: 787492500}},
		// Leading digits beyond 24 are shifted out.
		{"f4000000037c219bf2ef02e94", Label{Sec: 935467445, Nano: 787492500}},
		{"0004000000037c219bf2ef02e94", Label{Sec: 935467445, Nano: 787492500}},
		// Fewer than 8 digits are all nanoseconds; the seconds are 0 - Offset.
		{"1a", Label{Sec: -int64(Offset), Nano: 0x1a}},
		// 20 digits: 12 digits of seconds.
		{"4000000037c22ef02e94", Label{Sec: 0x4000000037c2 - int64(Offset), Nano: 0x2ef02e94}},
		{"", Label{Sec: -int64(Offset)}},
	}
	for _, tt := range tests {
		if got := DecodeHex([]byte(tt.digits)); got != tt.want {
			t.Errorf("DecodeHex(%q) = %+v, want %+v", tt.digits, got, tt.want)
		}
	}
}

func TestAppendLocal(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	tests := []struct {
		l    Label
		loc  *time.Location
		want string // "" means not printable
	}{
		{Label{Sec: 935467445, Nano: 787492500}, time.UTC, "1999-08-24 04:04:05.787492500"},
		{Label{Sec: 935467445, Nano: 787492500}, ny, "1999-08-24 00:04:05.787492500"},
		{Label{Sec: 0, Nano: 5}, time.UTC, "1970-01-01 00:00:00.000000005"},
		{Label{Sec: -1}, time.UTC, "1969-12-31 23:59:59.000000000"},
		// Nanoseconds beyond 1e9 print in ten digits, as tai64nlocal does.
		{Label{Sec: 0, Nano: 0xffffffff}, time.UTC, "1970-01-01 00:00:00.4294967295"},
		// Year 0 and before: tai64nlocal prints (unsigned long)(int) year.
		{Label{Sec: -62167219200}, time.UTC, "0-01-01 00:00:00.000000000"},
		{Label{Sec: -62167219201}, time.UTC, "18446744073709551615-12-31 23:59:59.000000000"},
		// The largest year glibc prints is 2^31-1+1900; past 2^31-1 the
		// int sum wraps.
		{Label{Sec: 67767976233532799}, time.UTC, "2147483647-12-31 23:59:59.000000000"},
		{Label{Sec: 67767976233532800}, time.UTC, "18446744071562067968-01-01 00:00:00.000000000"},
		{Label{Sec: 67768036191676799}, time.UTC, "18446744071562069867-12-31 23:59:59.000000000"},
		{Label{Sec: 67768036191676800}, time.UTC, ""},
		{Label{Sec: -67768040609740800}, time.UTC, "18446744071562069868-01-01 00:00:00.000000000"},
		{Label{Sec: -67768040609740801}, time.UTC, ""},
		{Label{Sec: -int64(Offset)}, time.UTC, ""},
		{Label{Sec: 1 << 62}, time.UTC, ""},
	}
	for _, tt := range tests {
		// Local is the same time as a string, or the label when it has none.
		want := tt.want
		if want == "" {
			want = tt.l.String()
		}
		if got := tt.l.Local(tt.loc); got != want {
			t.Errorf("Local(%+v, %v) = %q, want %q", tt.l, tt.loc, got, want)
		}
		got, ok := tt.l.AppendLocal([]byte("x"), tt.loc)
		if tt.want == "" {
			if ok || string(got) != "x" {
				t.Errorf("AppendLocal(%+v) = %q, %v; want not printable", tt.l, got, ok)
			}
			continue
		}
		if !ok || string(got) != "x"+tt.want {
			t.Errorf("AppendLocal(%+v, %v) = %q, %v; want %q", tt.l, tt.loc, got, ok, tt.want)
		}
	}
}

func TestAppendEpoch(t *testing.T) {
	tests := []struct {
		l    Label
		want string
	}{
		{Label{Sec: 935467445, Nano: 787492500}, "935467445.787492500"},
		{Label{Sec: 5, Nano: 5}, "5.000000005"},
		{Label{Sec: -1, Nano: 500}, "-0.999999500"},
		{Label{Sec: -2}, "-2.000000000"},
		{Label{Nano: 1e9}, ""},
		{Label{Sec: 1 << 62}, ""},
	}
	for _, tt := range tests {
		got, ok := tt.l.AppendEpoch(nil)
		if string(got) != tt.want || ok != (tt.want != "") {
			t.Errorf("AppendEpoch(%+v) = %q, %v; want %q", tt.l, got, ok, tt.want)
		}
	}
}

func TestLocalFormatterCache(t *testing.T) {
	f := LocalFormatter(time.UTC)
	var got []string
	for _, l := range []Label{{Sec: 10, Nano: 1}, {Sec: 10, Nano: 2}, {Sec: 1 << 62}, {Sec: 11}, {Sec: 1 << 62, Nano: 3}} {
		b, ok := f(nil, l)
		if !ok {
			b = []byte("-")
		}
		got = append(got, string(b))
	}
	want := []string{"1970-01-01 00:00:10.000000001", "1970-01-01 00:00:10.000000002", "-", "1970-01-01 00:00:11.000000000", "-"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LocalFormatter (-want +got):\n%s", diff)
	}
}

func TestStampLabel(t *testing.T) {
	tm := time.Unix(1000, 123456789)
	if got, want := StampLabel(tm), (Label{Sec: 1000, Nano: 123456500}); got != want {
		t.Errorf("StampLabel = %+v, want %+v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"@4000000037c219bf2ef02e94", "@4000000037c219bf", "4000000037c219bf2ef02e94", "@zzzz", "@400000000000000a3b9aca00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		if l.Nano >= 1e9 {
			t.Fatalf("Parse(%q) accepted nanoseconds %d", s, l.Nano)
		}
		// A label that parses prints back as itself (in its own length).
		canon := s
		if canon[0] != '@' {
			canon = "@" + canon
		}
		var back string
		if len(canon) == 25 {
			back = l.String()
		} else {
			back = string(l.AppendTAI64(nil))
		}
		if back != canon {
			t.Fatalf("Parse(%q) = %+v, which formats as %q", s, l, back)
		}
		if b, err := ParseTAI64N([]byte(l.String())); err != nil || b != l {
			t.Fatalf("ParseTAI64N(%s) = %+v, %v", l, b, err)
		}
		_, _ = l.AppendLocal(nil, time.UTC)
		_, _ = l.AppendEpoch(nil)
	})
}

func TestUnpackTAI64N(t *testing.T) {
	l := Label{Sec: 1717243200, Nano: 500_000_000}
	got, err := UnpackTAI64N(l.AppendPacked(nil))
	if err != nil || got != l {
		t.Errorf("UnpackTAI64N(AppendPacked(%v)) = %v, %v", l, got, err)
	}
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"seconds below 2^62", make([]byte, 12), "timestamp 0000000000000000 is not a TAI64 label"},
		{"seconds from 2^63", append([]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, 0, 0, 0, 0), "timestamp 8000000000000000 is not a TAI64 label"},
		{"nanoseconds", append([]byte{0x40, 0, 0, 0, 0, 0, 0, 0}, 0xff, 0xff, 0xff, 0xff), "timestamp has 4294967295 nanoseconds"},
	}
	for _, tt := range bad {
		_, err := UnpackTAI64N(tt.b)
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: UnpackTAI64N = %v, want %q wrapping ErrSyntax", tt.name, err, tt.want)
		}
	}
}
