// Package shell quotes arguments for a POSIX shell, for the command lines
// qq prints for the user to run (qq top --format rm, the reason recorded
// with a change).
package shell

import "strings"

// Join quotes each argument where needed (Quote) and joins them with
// spaces.
func Join(args []string) string {
	q := make([]string, len(args))
	for i, s := range args {
		q[i] = Quote(s)
	}
	return strings.Join(q, " ")
}

// Quote returns s as one shell word: unchanged when it holds only
// characters no shell treats specially, in single quotes otherwise.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
