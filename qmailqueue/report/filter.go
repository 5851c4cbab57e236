package report

import (
	"regexp"
	"strconv"
	"strings"
)

// FilterArgs returns the filter flags of qq's selecting commands (list,
// rm, expire, …) that select exactly the messages of the group named name
// under key k, as command-line arguments: --sender NAME, --rcpt-domain
// NAME, --larger N --smaller M, and so on. ok is false when no filter does:
// IP and HELO hops, the "none" groups and parent-domain rows.
func (k Key) FilterArgs(name string) (args []string, ok bool) {
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
