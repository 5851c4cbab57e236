package ui

import (
	"slices"
	"strconv"
	"strings"
)

// Closest returns the names nearest to typed: those at the smallest edit
// distance, if it is at most 2 and less than typed's length, and those
// that typed begins (a shortened name), sorted.
func Closest(typed string, names []string) []string {
	typed = strings.ToLower(typed)
	limit := min(2, len(typed)-1)
	best := limit + 1
	var near []string
	for _, n := range names {
		d := editDistance(typed, strings.ToLower(n))
		switch {
		case d > limit:
		case d < best:
			best, near = d, []string{n}
		case d == best:
			near = append(near, n)
		}
	}
	for _, n := range names {
		if len(typed) > 1 && strings.HasPrefix(n, typed) {
			near = append(near, n)
		}
	}
	slices.Sort(near)
	return slices.Compact(near)
}

// OrList joins suggestions: "set", "set" or "get", "a", "b" or "c".
func OrList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
		if strings.HasPrefix(v, "--") {
			q[i] = v
		}
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (flag names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
