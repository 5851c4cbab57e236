package qmailqueue

import "testing"

func TestValidPartNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"1": true, "2.1": true, "10.3.7": true,
		"": false, "0": false, "1.0": false, "-1": false, "+1": false, "1.": false, ".1": false, "1..2": false, "a": false, "1.b": false,
	} {
		if got := ValidPartNumber(s); got != want {
			t.Errorf("ValidPartNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
