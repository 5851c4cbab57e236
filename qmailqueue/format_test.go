package qmailqueue

import (
	"testing"
	"time"
)

func TestFormatAge(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "0s"},
		{0, "0s"},
		{59*time.Second + 999*time.Millisecond, "59s"},
		{12*time.Minute + 30*time.Second, "12m"},
		{3*time.Hour + 5*time.Minute, "3h05m"},
		{50*time.Hour + 59*time.Minute, "2d02h"},
	} {
		got := FormatAge(tt.d)
		if got != tt.want {
			t.Errorf("FormatAge(%v) = %q, want %q", tt.d, got, tt.want)
		}
		// What it prints reads back, rounded down, through ParseAge.
		if back, err := ParseAge(got); err != nil || back > max(tt.d, 0) {
			t.Errorf("ParseAge(FormatAge(%v)) = %v, %v; want at most %v", tt.d, back, err, tt.d)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:        "0 B",
		1023:     "1023 B",
		1536:     "1.5 KiB",
		34 << 20: "34.0 MiB",
		5 << 40:  "5.0 TiB",
		3 << 50:  "3.0 PiB",
		1 << 62:  "4096.0 PiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
