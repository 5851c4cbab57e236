package sendlog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qqmail/qq/qmailqueue"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 6, 2, 12, 0, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2024-06-01 09:30", time.UTC, time.Date(2024, 6, 1, 9, 30, 0, 0, time.UTC)},
		{"2024-06-01 09:30", ny, time.Date(2024, 6, 1, 13, 30, 0, 0, time.UTC)},
		{"2024-06-01T09:30:15.5", time.UTC, time.Date(2024, 6, 1, 9, 30, 15, 5e8, time.UTC)},
		{"2024-06-01", time.UTC, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-06-01T09:30:00+02:00", ny, time.Date(2024, 6, 1, 7, 30, 0, 0, time.UTC)},
		{"09:30", time.UTC, time.Date(2024, 6, 2, 9, 30, 0, 0, time.UTC)},
		{"90m", time.UTC, now.Add(-90 * time.Minute)},
		{"7d", time.UTC, now.Add(-7 * 24 * time.Hour)},
		{"2w", time.UTC, now.Add(-14 * 24 * time.Hour)},
		{"1d12h", time.UTC, now.Add(-36 * time.Hour)}, // the units of every age flag
		{"@4000000037c219bf2ef02e94", time.UTC, time.Date(1999, 8, 24, 4, 4, 5, 787492500, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now, tt.loc)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// A bare number is not taken as seconds before now: it may be a date.
	for _, bad := range []string{"yesterday", "-5m", "@zz", "2024-13-01", "d", "20240601"} {
		if got, err := ParseTime(bad, now, time.UTC); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", bad, got)
		}
	}
}

// FuzzParseTime checks --since and --until: no input panics, and an input
// that is a duration with a unit means that long before now.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"1h", "1d12h", "2024-06-01 09:30", "09:30", "@4000000037c219bf2ef02e94", "2024-06-01T09:30:00Z", "20240601", "yesterday"} {
		f.Add(s)
	}
	now := time.Date(2024, 6, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, now, time.UTC)
		if err != nil {
			return
		}
		if d, derr := qmailqueue.ParseAge(s); derr == nil && strings.Trim(s, "0123456789") != "" && !got.Equal(now.Add(-d)) {
			t.Fatalf("ParseTime(%q) = %v, want %v before now", s, got, d)
		}
	})
}

func TestParseSelection(t *testing.T) {
	got, err := ParseSelection(SelectionArgs{
		IDs: []string{"12", "7"}, QPs: []string{"300"},
		Senders: []string{"<Alice@X>", "<>"}, Recipients: []string{`""`, "Bob@Y"},
		Outcomes: []string{"deferral", "bounce"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &Selection{
		IDs: map[uint64]bool{12: true, 7: true}, QPs: map[uint64]bool{300: true},
		Senders: map[string]bool{"alice@x": true, "": true}, Recipients: map[string]bool{"": true, "bob@y": true},
		Outcomes: map[Outcome]bool{OutcomeDeferral: true}, Bounce: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseSelection (-want +got):\n%s", diff)
	}
	if got, err := ParseSelection(SelectionArgs{}); err != nil || !got.IsZero() {
		t.Errorf("ParseSelection of nothing = %+v, %v; want the zero selection", got, err)
	}
	for _, tt := range []struct {
		args SelectionArgs
		want string
	}{
		{SelectionArgs{IDs: []string{"0"}}, `id "0": not a positive number`},
		{SelectionArgs{QPs: []string{"x"}}, `qp "x": not a positive number`},
		{SelectionArgs{Outcomes: []string{"lost"}}, `outcome "lost": choose among success, deferral, failure, bounce`},
	} {
		_, err := ParseSelection(tt.args)
		var ae *ArgError
		if !errors.As(err, &ae) || err.Error() != tt.want {
			t.Errorf("ParseSelection(%+v) = %v; want an *ArgError %q", tt.args, err, tt.want)
		}
	}
}

func TestParseRange(t *testing.T) {
	now := time.Date(2024, 6, 2, 12, 0, 0, 0, time.UTC)
	r, err := ParseRange("2024-06-01", "", now, time.UTC)
	if err != nil || !r.Since.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) || !r.Until.IsZero() {
		t.Errorf("ParseRange(2024-06-01, \"\") = %v, %v, %v; want since June 1, no end", r.Since, r.Until, err)
	}
	r, err = ParseRange("", "1h", now, time.UTC)
	if err != nil || !r.Since.IsZero() || !r.Until.Equal(now.Add(-time.Hour)) {
		t.Errorf("ParseRange(\"\", 1h) = %v, %v, %v; want no start, until an hour ago", r.Since, r.Until, err)
	}
	for _, tc := range []struct{ since, until, want string }{
		{"yesterday", "", "--since: cannot read"},
		{"", "soon", "--until: cannot read"},
		{"1h", "2h", "--until 2h is before --since 1h"},
	} {
		if _, err := ParseRange(tc.since, tc.until, now, time.UTC); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ParseRange(%q, %q) = %v, want an error starting %q", tc.since, tc.until, err, tc.want)
		}
	}
}
