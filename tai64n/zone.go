package tai64n

import (
	"strings"
	"time"
)

// Zone returns the zone local times are written in, given the value of
// $TZ: the zone it names (with or without the leading ":" the C library
// accepts), so that output matches daemontools' tai64nlocal under the same
// TZ; the system's local zone when tz is empty or names no zone.
func Zone(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc
		}
	}
	return time.Local
}
