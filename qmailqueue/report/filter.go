package report

import (
	"regexp"
	"strconv"
	"strings"
)

// FilterArgs returns the filter flags of qq's selecting commands (list,
// rm, expire, …) that select exactly the messages of the group named name
// under key k, as command-line arguments: --sender NAME, --rcpt-domain
// NAME, --larger N --smaller M, --helo for the nearest hop's HELO name
// (hop 1, the one --helo reads), and so on. ok is false when no filter
// does: IP hops, HELO names of farther hops or with bytes outside
// visible ASCII, the "none" groups and parent-domain rows.
func (k Key) FilterArgs(name string, hop int) (args []string, ok bool) {
	switch k {
	case KeySender:
		return []string{"--sender", name}, true
	case KeySenderDomain, KeyRecipientDomain:
		if name == "" || strings.HasPrefix(name, ".") {
			return nil, false
		}
		flag := "--sender-domain"
		if k == KeyRecipientDomain {
			flag = "--rcpt-domain"
		}
		return []string{flag, name}, true
	case KeyRecipient:
		if name == "" {
			return nil, false
		}
		return []string{"--rcpt", name}, true
	case KeySubject:
		if name == "" {
			return nil, false
		}
		// (?-i) undoes the (?i) qq adds without --case, so that only
		// this very subject matches, and other regexes keep their case
		// rule.
		return []string{"--subject", "(?-i)^" + regexp.QuoteMeta(name) + "$"}, true
	case KeyHelo:
		// The group name is the HELO name case-folded as (?i) folds it
		// (foldCase), so the expression ignores case whatever --case
		// says, and matches exactly the group's HELO names. A name that
		// is not visible ASCII (a space, a control or a non-ASCII byte)
		// is left to the IDs.
		if hop != 1 || name == "" || !visibleASCII(name) {
			return nil, false
		}
		return []string{"--helo", "(?i)^" + regexp.QuoteMeta(name) + "$"}, true
	case KeySize:
		b, _ := SizeBucketNamed(name)
		if b.Min > 0 {
			args = append(args, "--larger", strconv.FormatInt(b.Min-1, 10))
		}
		if b.Max > 0 {
			args = append(args, "--smaller", strconv.FormatInt(b.Max, 10))
		}
		return args, true
	}
	return nil, false
}

// visibleASCII reports whether s has only visible ASCII characters:
// printable ASCII but the space.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
