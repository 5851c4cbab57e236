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
// printable ASCII, the "none" groups and parent-domain rows.
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
		// The group name is the HELO name lower-cased (Namer.Names), so
		// the expression ignores case whatever --case says. A name that
		// is not printable ASCII is left to the IDs: lower-casing and
		// the expression's case folding could then disagree.
		if hop != 1 || name == "" || !printableASCII(name) {
			return nil, false
		}
		return []string{"--helo", heloExpr(name)}, true
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

// heloExpr is the regular expression that matches the HELO names whose
// lower-cased form is name (printable ASCII), and no other: "(?i)^" name
// "$", except for the two letters on which the case folding of (?i) and
// lower-casing (strings.ToLower, as the grouping does) disagree. (?i)s
// also matches ſ (U+017F), which lower-casing keeps, so s is (?-i:[sS]);
// lower-casing makes İ (U+0130) an i, which (?i)i does not match, so i is
// [i\x{130}]. (The Kelvin sign, which (?i)k matches, lower-cases to k.)
func heloExpr(name string) string {
	var b strings.Builder
	b.WriteString("(?i)^")
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case 's':
			b.WriteString("(?-i:[sS])")
		case 'i':
			b.WriteString(`[i\x{130}]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// printableASCII reports whether s has only printable ASCII characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
