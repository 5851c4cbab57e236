package qmailqueue

import (
	"net/netip"
	"strings"
)

// Hop is one relay a message passed, read from the "from" clause of a
// Received header field.
type Hop struct {
	// From is the name after "from": the peer's HELO name in Postfix's and
	// sendmail's lines, its reverse DNS name (or "unknown") in qmail's and
	// Exim's.
	From string
	// Helo is the name the peer gave in HELO or EHLO: the "(HELO name)"
	// comment of qmail-smtpd, Exim's "helo=name", and otherwise From,
	// since qmail-smtpd and Exim leave the HELO out when it equals the
	// host name and Postfix and sendmail put it first.
	Helo string
	// IP is the peer's address in canonical form (IPv4-mapped IPv6
	// addresses as IPv4), or "" when the line records none.
	IP string
}

// ParseReceived parses the "from" clause of one Received field value
// (unfolded). It understands qmail-smtpd's
//
//	from HOST (HELO NAME) (INFO@IP)
//	from HOST (IP)
//
// Postfix's and sendmail's "from HELO (RDNS [IP])", Exim's "from RDNS
// ([IP] helo=NAME)" and "from [IP] (helo=NAME)", and IPv6 addresses written
// [IPv6:…]. ok is false when the field has no from clause, as qmail-queue's
// own "(qmail 1234 invoked from network)" lines (docs/queue.md §3.2)
// and local submissions have none.
func ParseReceived(v string) (hop Hop, ok bool) {
	s := strings.TrimLeft(v, " \t\r\n")
	if len(s) < 5 || !hasPrefixFoldASCII(s, "from") || !isSpace(s[4]) {
		return Hop{}, false
	}
	s = strings.TrimLeft(s[4:], " \t\r\n")
	end := strings.IndexAny(s, " \t\r\n(;")
	if end < 0 {
		end = len(s)
	}
	hop.From = s[:end]
	s = s[end:]
	var comments []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" || s[0] != '(' {
			break
		}
		c, rest := comment(s)
		comments = append(comments, c)
		s = rest
	}
	for _, c := range comments {
		c = strings.TrimSpace(c)
		if hop.Helo == "" {
			hop.Helo = heloIn(c)
		}
		if hop.IP == "" {
			hop.IP = ipIn(c)
		}
	}
	if hop.IP == "" {
		hop.IP = ipIn(hop.From)
	}
	if hop.Helo == "" {
		hop.Helo = hop.From
	}
	if hop.From == "" && hop.IP == "" {
		return Hop{}, false
	}
	return hop, true
}

// Hops returns the hops recorded in h's Received fields, nearest first,
// leaving out the fields without a from clause.
func Hops(h *Header) []Hop {
	if h == nil {
		return nil
	}
	var hops []Hop
	for _, v := range h.Values("Received") {
		if hop, ok := ParseReceived(v); ok {
			hops = append(hops, hop)
		}
	}
	return hops
}

// NthHop returns the n-th hop (1 = the nearest: the peer that handed the
// message to this host), or false when h records fewer hops.
func NthHop(h *Header, n int) (Hop, bool) {
	if h == nil || n < 1 {
		return Hop{}, false
	}
	for _, v := range h.Values("Received") {
		if hop, ok := ParseReceived(v); ok {
			n--
			if n == 0 {
				return hop, true
			}
		}
	}
	return Hop{}, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// comment reads a parenthesised comment at the start of s, nested comments
// and backslash escapes included, and returns its text and what follows. An
// unterminated comment runs to the end of s.
func comment(s string) (text, rest string) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[1:i], s[i+1:]
			}
		}
	}
	return s[1:], ""
}

// heloIn finds the HELO name in one comment: "HELO name" or "EHLO name"
// (qmail-smtpd and its patches), or "helo=name" (Exim). Every index it
// computes is an index into c itself: case is folded byte by byte on ASCII
// only, never by strings.ToLower, whose result can be longer or shorter than
// c when c holds invalid UTF-8 or some non-ASCII letters.
func heloIn(c string) string {
	if len(c) > 5 && (hasPrefixFoldASCII(c, "helo ") || hasPrefixFoldASCII(c, "ehlo ")) {
		return strings.TrimSpace(c[5:])
	}
	for off := 0; off < len(c); {
		i := indexFoldASCII(c[off:], "helo=")
		if i < 0 {
			break
		}
		i += off
		if i == 0 || isSpace(c[i-1]) {
			v := c[i+len("helo="):]
			if j := strings.IndexAny(v, " \t\r\n()"); j >= 0 {
				v = v[:j]
			}
			return v
		}
		off = i + 1
	}
	return ""
}

// lowerASCII lower-cases one byte if it is an ASCII capital letter.
func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// hasPrefixFoldASCII reports whether s begins with lower (given in lower
// case), ASCII letters compared without regard to case.
func hasPrefixFoldASCII(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if lowerASCII(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// indexFoldASCII returns the index in s of the first occurrence of lower
// (given in lower case), ASCII letters compared without regard to case, or
// -1.
func indexFoldASCII(s, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		if hasPrefixFoldASCII(s[i:], lower) {
			return i
		}
	}
	return -1
}

// ipIn finds an IP address in one comment or from-name: the first bracketed
// literal "[192.0.2.1]" or "[IPv6:2001:db8::1]", else the whole text or its
// part after the last @ (qmail-smtpd's "(info@192.0.2.1)"), else the first
// word.
func ipIn(c string) string {
	for s := c; ; {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			break
		}
		lit := s[i+1 : i+j]
		if len(lit) > 5 && hasPrefixFoldASCII(lit, "ipv6:") {
			lit = lit[5:]
		}
		if a, ok := CanonicalIP(lit); ok {
			return a
		}
		s = s[i+j+1:]
	}
	t := c
	if i := strings.LastIndexByte(t, '@'); i >= 0 {
		t = t[i+1:]
	}
	if a, ok := CanonicalIP(t); ok {
		return a
	}
	if f := strings.Fields(c); len(f) > 0 {
		if a, ok := CanonicalIP(f[0]); ok {
			return a
		}
	}
	return ""
}

// CanonicalIP parses an IPv4 or IPv6 address (no zone) and returns it in
// canonical form (IPv4-mapped IPv6 addresses as IPv4), as [Hop.IP] holds it.
func CanonicalIP(s string) (string, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		return "", false
	}
	return a.Unmap().String(), true
}
