package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/pflag"
)

func TestSinceTakesAgeUnits(t *testing.T) {
	now := time.Date(2024, 6, 2, 12, 0, 0, 0, time.UTC)
	got, err := parseTimeArg("1d12h", now, time.UTC)
	if want := now.Add(-36 * time.Hour); err != nil || !got.Equal(want) {
		t.Errorf("parseTimeArg(1d12h) = %v, %v; want %v", got, err, want)
	}
	// A bare number is not taken as seconds before now: it may be a date.
	if got, err := parseTimeArg("20240601", now, time.UTC); err == nil {
		t.Errorf("parseTimeArg(20240601) = %v, want an error", got)
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

// FuzzParseTimeArg checks --since and --until: no input panics, and an
// input that is a duration with a unit means that long before now.
func FuzzParseTimeArg(f *testing.F) {
	for _, s := range []string{"1h", "1d12h", "2024-06-01 09:30", "09:30", "@4000000037c219bf2ef02e94", "2024-06-01T09:30:00Z", "20240601", "yesterday"} {
		f.Add(s)
	}
	now := time.Date(2024, 6, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTimeArg(s, now, time.UTC)
		if err != nil {
			return
		}
		if d, derr := qmailqueue.ParseAge(s); derr == nil && strings.Trim(s, "0123456789") != "" && !got.Equal(now.Add(-d)) {
			t.Fatalf("parseTimeArg(%q) = %v, want %v before now", s, got, d)
		}
	})
}
