package control

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ValueError is a value qq refuses to write into a control file, with the
// reason in words.
type ValueError struct {
	File   string // the control file
	Value  string // the value as given
	Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: %q: %s", e.File, e.Value, e.Reason)
}

// Validate checks a value for the named control file and returns it
// normalised (host names lower-cased, numbers without leading zeros),
// with notes worth telling the user. For list and map files the value is
// one entry. It returns a *[ValueError] for a bad value, and an error for
// a file qq does not know or does not write.
func Validate(name, value string) (norm string, notes []string, err error) {
	f, ok := Lookup(name)
	if !ok {
		return "", nil, fmt.Errorf("%s: not a control file qq knows", name)
	}
	if f.validate == nil {
		return "", nil, fmt.Errorf("%s: qq does not write this file", name)
	}
	norm, notes, err = f.validate(value)
	if err == nil && (f.Kind == KindList || f.Kind == KindMap) && strings.HasPrefix(norm, "#") {
		err = reason("starts with '#': qmail reads the line as a comment")
	}
	var r reason
	if errors.As(err, &r) {
		return "", nil, &ValueError{File: name, Value: value, Reason: string(r)}
	}
	return norm, notes, err
}

// reason is a validation failure before it is given its file and value.
type reason string

func (r reason) Error() string { return string(r) }

// checkBytes rejects what can never be part of a one-line control value:
// emptiness, whitespace (unless allowed inside), CR, NUL and other control
// bytes.
func checkBytes(s string, spaceInside bool) error {
	if s == "" {
		return reason("empty")
	}
	if s[0] == ' ' || s[0] == '\t' {
		return reason("leading whitespace (qmail keeps it as part of the value)")
	}
	if c := s[len(s)-1]; c == ' ' || c == '\t' {
		return reason("trailing whitespace (qmail strips it)")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r':
			return reason("carriage return (CR) inside: qmail would keep it as part of the value")
		case c == '\n':
			return reason("newline inside: one value per line")
		case c == ' ' || c == '\t':
			if !spaceInside {
				return reason("whitespace inside")
			}
		case c < 0x20 || c == 0x7f:
			return reason(fmt.Sprintf("control byte 0x%02x inside", c))
		}
	}
	return nil
}

// isIPv4Literal reports whether s is [a.b.c.d] with each part 0-255.
func isIPv4Literal(s string) bool {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	return validIPv4(s[1 : len(s)-1])
}

func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
		if n, _ := strconv.Atoi(p); n > 255 {
			return false
		}
	}
	return true
}

// checkHost checks a host name: dot-separated labels of letters, digits,
// "-" and "_".
func checkHost(h string) error {
	if strings.ContainsAny(h, "*?") {
		return reason("wildcards are not supported: qmail matches names literally")
	}
	if strings.Contains(h, "@") {
		return reason("an address, not a host name")
	}
	if len(h) > 253 {
		return reason("longer than 253 characters")
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" {
			return reason("empty label (a leading, trailing or double dot)")
		}
		if len(label) > 63 {
			return reason("a label longer than 63 characters")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return reason(fmt.Sprintf("character %q not allowed in a host name", c))
			}
		}
	}
	return nil
}

// hostValidator accepts a host name, lower-cased; with suffix also
// ".example.com" (rcpthosts' "any subdomain"), with literal also [1.2.3.4].
func hostValidator(suffix, literal bool) func(string) (string, []string, error) {
	return func(s string) (string, []string, error) {
		if err := checkBytes(s, false); err != nil {
			return "", nil, err
		}
		if literal && isIPv4Literal(s) {
			return s, nil, nil
		}
		h := s
		if suffix && strings.HasPrefix(h, ".") {
			h = h[1:]
		}
		if strings.HasPrefix(h, "*.") && suffix {
			return "", nil, reason("wildcards are not supported: write ." + h[2:] + " for every subdomain")
		}
		if err := checkHost(h); err != nil {
			return "", nil, err
		}
		return asciiLower(s), nil, nil
	}
}

// validateLocalPart accepts a user name such as MAILER-DAEMON.
func validateLocalPart(s string) (string, []string, error) {
	if err := checkBytes(s, false); err != nil {
		return "", nil, err
	}
	if strings.Contains(s, "@") {
		return "", nil, reason("a user name without @domain is expected")
	}
	return s, nil, nil
}

// validateText accepts one line of text, spaces allowed inside.
func validateText(s string) (string, []string, error) {
	if err := checkBytes(s, true); err != nil {
		return "", nil, err
	}
	return s, nil, nil
}

// validateIPv4 accepts a dotted-quad IPv4 address (qmqpservers).
func validateIPv4(s string) (string, []string, error) {
	if err := checkBytes(s, false); err != nil {
		return "", nil, err
	}
	if !validIPv4(s) {
		return "", nil, reason("not an IPv4 address (a.b.c.d)")
	}
	return s, nil, nil
}

// intValidator accepts a decimal number from min up to the largest C int,
// written as qmail's control_readint reads it: digits from column 1.
func intValidator(min int, note func(int) string) func(string) (string, []string, error) {
	return func(s string) (string, []string, error) {
		if err := checkBytes(s, false); err != nil {
			return "", nil, err
		}
		if strings.Trim(s, "0123456789") != "" {
			return "", nil, reason("not a decimal number (digits only; qmail reads a number from column 1 and ignores what follows)")
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > 1<<31-1 {
			return "", nil, reason("too large: qmail stores it in a C int (at most 2147483647)")
		}
		if int(n) < min {
			return "", nil, reason(fmt.Sprintf("must be at least %d", min))
		}
		var notes []string
		if note != nil {
			if t := note(int(n)); t != "" {
				notes = append(notes, t)
			}
		}
		return strconv.FormatInt(n, 10), notes, nil
	}
}

var validateConcurrency = intValidator(0, func(n int) string {
	switch {
	case n == 0:
		return "0 stops every delivery of this kind until it is raised again"
	case n > 120:
		return "qmail-send caps it at conf-spawn (120 unless qmail was built otherwise, at most 255)"
	}
	return ""
})

func lifetimeNote(n int) string {
	if n < 3600 {
		return "a message that cannot be delivered at once bounces after its next failed attempt"
	}
	return ""
}

// validateSMTPRoute accepts domain:relay[:port]. An empty domain is the
// default route; an empty relay means "use MX" (qmail-remote.c).
func validateSMTPRoute(s string) (string, []string, error) {
	if err := checkBytes(s, false); err != nil {
		return "", nil, err
	}
	domain, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", nil, reason("missing ':' (domain:relay[:port]); qmail ignores such lines")
	}
	var notes []string
	switch {
	case domain == "":
		notes = append(notes, "empty domain: the default route for every domain not listed")
	default:
		h := strings.TrimPrefix(domain, ".")
		if err := checkHost(h); err != nil {
			return "", nil, reason("domain: " + err.Error())
		}
	}
	relay, port, hasPort := strings.Cut(rest, ":")
	switch {
	case relay == "":
		if hasPort {
			return "", nil, reason("a port without a relay")
		}
		notes = append(notes, "empty relay: deliver by MX, overriding a wider route")
	case isIPv4Literal(relay):
	default:
		if err := checkHost(relay); err != nil {
			return "", nil, reason("relay: " + err.Error())
		}
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || strings.Trim(port, "0123456789") != "" || n < 1 || n > 65535 {
			return "", nil, reason("port must be a number from 1 to 65535")
		}
		port = strconv.Itoa(n)
	}
	out := asciiLower(domain) + ":" + asciiLower(relay)
	if hasPort {
		out += ":" + port
	}
	return out, notes, nil
}

// validateVirtualDomain accepts domain:prepend, .suffix:prepend or
// user@domain:prepend. An empty prepend makes an exception to a wider
// entry.
func validateVirtualDomain(s string) (string, []string, error) {
	if err := checkBytes(s, false); err != nil {
		return "", nil, err
	}
	key, prepend, ok := strings.Cut(s, ":")
	if !ok {
		return "", nil, reason("missing ':' (domain:prepend); qmail ignores such lines")
	}
	if key == "" {
		return "", nil, reason("empty domain before ':'")
	}
	host := key
	if i := strings.LastIndexByte(key, '@'); i >= 0 {
		if i == 0 {
			return "", nil, reason("empty user before '@'")
		}
		host = key[i+1:]
	}
	host = strings.TrimPrefix(host, ".")
	if err := checkHost(host); err != nil {
		return "", nil, reason("domain: " + err.Error())
	}
	var notes []string
	if prepend == "" {
		notes = append(notes, "empty prepend: an exception, the domain is not virtual")
	}
	return asciiLower(key) + ":" + prepend, notes, nil
}
