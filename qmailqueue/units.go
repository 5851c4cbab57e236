package qmailqueue

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseAge is qq's one duration parser, for every flag and filter term that
// takes an age, a time before now or a timeout: a number and a unit,
// repeated, as admins write it: 90s, 30m, 2h, 3d, 1w, 1d12h. A bare number
// is seconds. Go's own forms (1.5h, 500ms) are accepted too; negative
// durations are not.
func ParseAge(s string) (time.Duration, error) {
	d, err := parseUnits(s)
	if err != nil {
		if gd, gerr := time.ParseDuration(s); gerr == nil && gd >= 0 && !strings.HasPrefix(s, "+") {
			return gd, nil
		}
	}
	return d, err
}

// parseUnits parses the integer-and-unit form of ParseAge.
func parseUnits(s string) (time.Duration, error) {
	orig := s
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, fmt.Errorf("bad duration %q: want e.g. 90s, 30m, 2h, 3d, 1w or 1d12h", orig)
		}
		n, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: number too large", orig)
		}
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[i]]
		if unit == 0 {
			return 0, fmt.Errorf("bad duration %q: unknown unit %q (use s, m, h, d or w)", orig, s[i])
		}
		if time.Duration(n) > (math.MaxInt64-total)/unit {
			return 0, fmt.Errorf("bad duration %q: number too large", orig)
		}
		total += time.Duration(n) * unit
		s = s[i+1:]
	}
	return total, nil
}

// ParseSize parses a byte size: a number with an optional binary unit,
// k/K (KiB), m/M (MiB), g/G (GiB), optionally followed by B: 500, 10k, 34MB.
func ParseSize(s string) (int64, error) {
	orig := s
	t := strings.TrimSuffix(strings.TrimSuffix(s, "B"), "b")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseUint(t, 10, 63)
	if err != nil || n > uint64(1<<62)/uint64(mult) {
		return 0, fmt.Errorf("bad size %q: want e.g. 500, 10k, 1M or 34MB", orig)
	}
	return int64(n) * mult, nil
}
