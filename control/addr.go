package control

import (
	"regexp"
	"strings"
)

// MaxAddrLen is the longest address qmail-smtpd's addrparse accepts: it
// refuses an address whose stralloc, with the terminating NUL, is longer
// than 900 bytes, answering "555 syntax error (#5.5.4)".
const MaxAddrLen = 899

// LocalIP is what addrparse needs to rewrite box@[ip-of-this-host] to
// box@localiphost: qmail-smtpd does it when control/localiphost or
// control/me exists (liphostok).
type LocalIP struct {
	Host string                // control/localiphost, else control/me
	IsMe func(ip [4]byte) bool // whether ip is an address of this host (ipme_is)
}

// CommandArg turns what a user typed for an envelope address into the
// argument qmail-smtpd sees after the SMTP verb. verb is "FROM" (MAIL) or
// "TO" (RCPT). "MAIL FROM:<a@b>", "FROM:<a@b>", "<a@b>" and "a@b" are all
// accepted; a leading "MAIL " or "RCPT " is dropped with the spaces after
// it, as commands.c does.
func CommandArg(input, verb string) string {
	s := input
	for _, cmd := range []string{"MAIL ", "RCPT "} {
		if len(s) >= len(cmd) && strings.EqualFold(s[:len(cmd)], cmd) {
			s = strings.TrimLeft(s[len(cmd):], " ")
			break
		}
	}
	if p := verb + ":"; len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
		return s
	}
	return verb + ":" + s
}

// ParseAddr is qmail-smtpd's addrparse applied to the argument of MAIL or
// RCPT (see [CommandArg]): the text after "<" up to ">" (or, without "<",
// after the first ":" up to a space), a source route "@a,@b:" stripped,
// double quotes removed, backslash escapes resolved, and box@[ip] of this
// host rewritten to box@localiphost when lip is not nil. ok is false when
// qmail-smtpd answers "555 syntax error": the address is longer than
// [MaxAddrLen]. The argument ends at a NUL byte, as a C string does.
// docs/queue.md §7.3.
func ParseAddr(arg string, lip *LocalIP) (addr string, ok bool) {
	if i := strings.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	terminator := byte('>')
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		arg = arg[i+1:]
	} else {
		// "partner should go read rfc 821"
		terminator = ' '
		if i := strings.IndexByte(arg, ':'); i >= 0 {
			arg = arg[i+1:]
		} else {
			arg = ""
		}
		arg = strings.TrimLeft(arg, " ")
	}
	if strings.HasPrefix(arg, "@") {
		if i := strings.IndexByte(arg, ':'); i >= 0 {
			arg = arg[i+1:]
		} else {
			arg = ""
		}
	}
	b := make([]byte, 0, len(arg))
	esc, quoted := false, false
	for i := 0; i < len(arg); i++ {
		ch := arg[i]
		if esc {
			b = append(b, ch)
			esc = false
			continue
		}
		if !quoted && ch == terminator {
			break
		}
		switch ch {
		case '\\':
			esc = true
		case '"':
			quoted = !quoted
		default:
			b = append(b, ch)
		}
	}
	addr = string(b)
	if lip != nil {
		if at := strings.LastIndexByte(addr, '@'); at >= 0 {
			rest := addr[at+1:]
			if ip, n := ipScanBracket(rest); n > 0 && n == len(rest) && lip.IsMe != nil && lip.IsMe(ip) {
				addr = addr[:at+1] + lip.Host
			}
		}
	}
	return addr, len(addr) <= MaxAddrLen
}

// scanULong is qmail's scan_ulong: the leading decimal digits of s as a
// wrapping 64-bit number, and how many bytes they took.
func scanULong(s string) (uint64, int) {
	var u uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		u = u*10 + uint64(s[i]-'0')
	}
	return u, i
}

// ipScanBracket is qmail's ip_scanbracket: "[a.b.c.d]" at the start of s,
// each part truncated to a byte as ip_scan does. n is 0 when s does not
// start with one.
func ipScanBracket(s string) (ip [4]byte, n int) {
	if !strings.HasPrefix(s, "[") {
		return ip, 0
	}
	pos := 1
	for k := range 4 {
		if k > 0 {
			if pos >= len(s) || s[pos] != '.' {
				return ip, 0
			}
			pos++
		}
		u, m := scanULong(s[pos:])
		if m == 0 {
			return ip, 0
		}
		ip[k] = byte(u)
		pos += m
	}
	if pos >= len(s) || s[pos] != ']' {
		return ip, 0
	}
	return ip, pos + 1
}

// AddrList is a badmailfrom (or badrcptto) file as qmail-smtpd's bmfcheck
// uses it: a constmap of the entries, matched against the whole address
// and against the part from its last "@" on, without regard to ASCII
// case. Nothing else matches: no wildcards, no subdomains, no local part
// alone. docs/queue.md §7.3.
type AddrList struct {
	m *Map
}

// NewAddrList builds the list from a file's entries ([ParseList]).
func NewAddrList(entries []ListEntry) *AddrList {
	return &AddrList{m: NewMap(entries, false)}
}

// Match returns the entry that makes qmail-smtpd reject addr (as parsed
// by [ParseAddr]): the whole address first, then "@domain". For duplicate
// entries it is the last line, the one constmap finds.
func (l *AddrList) Match(addr string) (MapEntry, bool) {
	if e, ok := l.m.Lookup(addr); ok {
		return e, true
	}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return l.m.Lookup(addr[at:])
	}
	return MapEntry{}, false
}

// regexMeta are the bytes that make a line look like a regular expression
// or a shell wildcard rather than an address.
const regexMeta = `*?^$\()|{}[]`

// LooksLikeRegex reports whether an entry of badmailfrom looks like a
// regular expression or wildcard (the qregex patch's format) rather than
// an address: it has one of * ? ^ $ \ ( ) | { } [ ], not counting an
// address literal such as @[192.0.2.1] at its end.
func LooksLikeRegex(entry string) bool {
	s := entry
	if at := strings.LastIndexByte(s, '@'); at >= 0 && isIPv4Literal(s[at+1:]) {
		s = s[:at]
	}
	return strings.ContainsAny(s, regexMeta)
}

// LowerOutsideEscapes lower-cases ASCII letters except the one right after
// a backslash, so that a qregex escape such as \S (non-space) does not turn
// into \s (space). For a plain address it is [strings.ToLower] on ASCII.
func LowerOutsideEscapes(s string) string {
	b := []byte(s)
	esc := false
	for i, c := range b {
		switch {
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// addrEntryValidator checks an entry for badmailfrom or badrcptto. A
// plain entry must be user@domain or @domain. With regex set (files of the
// qregex patch) the entry must be a valid regular expression; it is
// lower-cased outside escape sequences.
func addrEntryValidator(regex bool) func(string) (string, []string, error) {
	return func(s string) (string, []string, error) {
		if err := checkBytes(s, false); err != nil {
			return "", nil, err
		}
		if s[0] == '#' {
			return "", nil, reason("starts with '#': qmail reads the line as a comment")
		}
		if regex {
			if _, err := regexp.Compile(s); err != nil {
				return "", nil, reason("not a valid regular expression: " + err.Error())
			}
			return LowerOutsideEscapes(s), nil, nil
		}
		if LooksLikeRegex(s) {
			return "", nil, errRegexEntry
		}
		at := strings.LastIndexByte(s, '@')
		switch {
		case at < 0:
			return "", nil, reason("a bare local part only matches a sender without @domain: write user@domain or @domain")
		case at == len(s)-1:
			return "", nil, reason("empty domain after '@'")
		case s[0] == '@' && at > 0:
			return "", nil, reason("@domain with a second '@' never matches")
		}
		domain := s[at+1:]
		if !isIPv4Literal(domain) {
			if err := checkHost(domain); err != nil {
				return "", nil, reason("domain: " + err.Error())
			}
		}
		var notes []string
		if at == 0 {
			notes = append(notes, asciiLower(s)+" does not cover subdomains: stock qmail-smtpd needs a line for each host, such as @mail."+asciiLower(domain))
		}
		return asciiLower(s), notes, nil
	}
}

// errRegexEntry rejects a plain entry that looks like a regular
// expression or a wildcard ([LooksLikeRegex]).
const errRegexEntry = reason("wildcards and regular expressions are not supported: stock qmail-smtpd matches user@domain and @domain literally")

// ValidateAddrEntry checks and lower-cases an entry for badmailfrom or
// badrcptto: user@domain or @domain, or with regex set a regular
// expression for the qregex patch (lower-cased outside escapes). It
// returns a *[ValueError] naming file for a bad entry, and notes such as
// "@domain does not cover subdomains". A plain entry that looks like a
// regular expression is refused with a hint at regex (qq's --regex).
func ValidateAddrEntry(file, entry string, regex bool) (string, []string, error) {
	norm, notes, err := addrEntryValidator(regex)(entry)
	if r, ok := err.(reason); ok {
		if r == errRegexEntry {
			r += " (if qmail-smtpd has the qregex patch, add it with --regex)"
		}
		return "", nil, &ValueError{File: file, Value: entry, Reason: string(r)}
	}
	return norm, notes, err
}

// AddrCheck is how qmail-smtpd treats one envelope address against a
// badmailfrom or badrcptto list ([AddrList.Check]).
type AddrCheck struct {
	// Address is the address as qmail-smtpd's addrparse leaves it.
	Address string
	// SyntaxError is set when addrparse refuses the argument: qmail-smtpd
	// answers "555 syntax error (#5.5.4)".
	SyntaxError bool
	// Rejected is set when the list matches; Entry is the matching entry.
	Rejected bool
	Entry    MapEntry
}

// Check parses input as the argument of the SMTP verb ("FROM" or "TO",
// [CommandArg]) the way qmail-smtpd does, with lip for address literals
// ([ParseAddr]), and matches the result against the list ([AddrList.Match]).
func (l *AddrList) Check(input, verb string, lip *LocalIP) AddrCheck {
	addr, ok := ParseAddr(CommandArg(input, verb), lip)
	c := AddrCheck{Address: addr, SyntaxError: !ok}
	if ok {
		c.Entry, c.Rejected = l.Match(addr)
	}
	return c
}

// addrListReplies are qmail-smtpd's answers to an address a list matches.
var addrListReplies = map[string]string{
	"badmailfrom": "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)",
	"badrcptto":   "553 sorry, mail to that recipient is not accepted (#5.7.1)",
}

// AddrListReply is qmail-smtpd's answer when the list file (badmailfrom
// or badrcptto) matches an address; "" for another file.
func AddrListReply(file string) string { return addrListReplies[file] }

// Result is the outcome in one word: "accepted", "syntax-error" or
// "rejected".
func (c AddrCheck) Result() string {
	switch {
	case c.SyntaxError:
		return "syntax-error"
	case c.Rejected:
		return "rejected"
	}
	return "accepted"
}

// Reply is qmail-smtpd's answer to the address checked against the list
// file (badmailfrom or badrcptto).
func (c AddrCheck) Reply(file string) string {
	switch {
	case c.SyntaxError:
		return "555 syntax error (#5.5.4)"
	case c.Rejected:
		return AddrListReply(file)
	}
	return "250 ok"
}
