package tai64n

import (
	"testing"
	"time"
)

func TestZone(t *testing.T) {
	for tz, want := range map[string]string{"UTC": "UTC", ":UTC": "UTC", "": time.Local.String(), "No/Such_Zone": time.Local.String()} {
		if got := Zone(tz).String(); got != want {
			t.Errorf("Zone(%q) = %s, want %s", tz, got, want)
		}
	}
}
