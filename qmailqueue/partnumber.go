package qmailqueue

import (
	"strconv"
	"strings"
)

// ValidPartNumber reports whether s is a MIME part number as [Part.Number]
// writes them: dot-separated positive decimal integers (1, 2, 2.1), without
// signs.
func ValidPartNumber(s string) bool {
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || f[0] == '+' {
			return false
		}
	}
	return true
}
