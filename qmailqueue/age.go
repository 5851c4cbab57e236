package qmailqueue

import (
	"fmt"
	"time"
)

// FormatAge formats a duration the way admins read queue ages, in
// [ParseAge]'s units: 45s, 12m, 3h05m, 2d04h. Negative durations (a clock
// in the future) print as 0s.
func FormatAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	default:
		return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
	}
}
