package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"testing"
	"time"
)

// TestParseAge checks that every duration flag (--older, --since, --timeout,
// --warn-age, …) reads the same units through the one parser.
func TestParseAge(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90", 90 * time.Second, true},
		{"90s", 90 * time.Second, true},
		{"30m", 30 * time.Minute, true},
		{"2h30m", 150 * time.Minute, true},
		{"1d12h", 36 * time.Hour, true},
		{"7d", 7 * day, true},
		{"2w", 14 * day, true},
		{"1.5h", 90 * time.Minute, true},
		{"500ms", 500 * time.Millisecond, true},
		{"", 0, false},
		{"-5m", 0, false},
		{"+5m", 0, false},
		{"3x", 0, false},
		{"yesterday", 0, false},
		{"2024-06-01", 0, false},
		{"09:30", 0, false},
		{"2147483647w", 0, false}, // would overflow time.Duration
		{"15000w1w", 15001 * 7 * day, true},
		{"15000w1000w", 0, false},
	}
	for _, tt := range tests {
		got, err := parseAge(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestHiddenAlias(t *testing.T) {
	fs := pflag.NewFlagSet("log", pflag.ContinueOnError)
	var rcpts []string
	fs.StringSliceVar(&rcpts, "rcpt", nil, "")
	hiddenAlias(fs, "recipient", "rcpt")
	if err := fs.Parse([]string{"--rcpt", "a@x", "--recipient", "b@x,c@x"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a@x", "b@x", "c@x"}; !slices.Equal(rcpts, want) {
		t.Errorf("--rcpt a@x --recipient b@x,c@x gave %q, want %q", rcpts, want)
	}
	if !fs.Changed("rcpt") || !fs.Lookup("recipient").Hidden {
		t.Errorf("the alias must mark --rcpt as given and be hidden")
	}
}

// FuzzParseAge checks that no input makes parseAge panic or return a
// negative duration, and that the unit form adds up: "XdYh" is X days and
// Y hours whenever both parts parse.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"90", "1d12h", "2w", "1.5h", "-5m", "99999999999w", "1d1d1d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseAge(s)
		if err == nil && d < 0 {
			t.Fatalf("parseAge(%q) = %v, negative", s, d)
		}
		if err != nil {
			return
		}
		days, errD := parseAge(s + "d")
		if errD == nil && strings.Trim(s, "0123456789") == "" {
			if want := d / time.Second * 24 * time.Hour; days != want && want >= 0 {
				t.Fatalf("parseAge(%qd) = %v, want %v", s, days, want)
			}
		}
	})
}
