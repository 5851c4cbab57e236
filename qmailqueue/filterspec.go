package qmailqueue

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
)

// FilterSpec is a filter as the user wrote it: the text of each criterion,
// from command-line flags (--sender, --older, …) or from a filter query
// (sender:… older:…, [ParseQuery]). [FilterSpec.Build] turns it into a
// [Filter]; flags and queries share that one code path, so a term means the
// same in both and reports the same mistakes.
type FilterSpec struct {
	Senders, Recipients             []string // addresses, <> or "" for the null sender
	SenderDomains, RecipientDomains []string // .example.com: it and its subdomains
	Match                           []string // regexes over the decoded header block
	Headers                         []string // NAME=REGEX
	Subject, Body, Attachment       string   // regexes; empty means unset
	BodyLimit                       string   // a size; empty means DefaultBodyLimit
	Older, Newer                    string   // ages; empty means unset
	Larger, Smaller                 string   // sizes; empty means unset
	Local, Remote                   bool
	Todo, Bouncing                  bool
	Not, CaseSensitive              bool
	IDs                             []uint64
	// Query makes errors name query terms (older:) instead of flags
	// (--older).
	Query bool
}

// FilterSpecError is a mistake in one criterion of a FilterSpec. Its text
// names the flag (--older: …) or, for a query, the term (older: …).
type FilterSpecError struct{ msg string }

func (e *FilterSpecError) Error() string { return e.msg }

// term names criterion name as the user wrote it.
func (s *FilterSpec) term(name string) string {
	if s.Query {
		return name
	}
	return "--" + name
}

func (s *FilterSpec) errorf(format string, args ...any) error {
	return &FilterSpecError{fmt.Sprintf(format, args...)}
}

// Build makes the Filter; now is the clock for ages. Every mistake is a
// *FilterSpecError naming the criterion.
func (s *FilterSpec) Build(now time.Time) (*Filter, error) {
	f := NewFilter()
	f.Now = now
	for _, a := range s.Senders {
		f.Senders = append(f.Senders, AddressArg(a))
	}
	for _, a := range s.Recipients {
		f.Recipients = append(f.Recipients, AddressArg(a))
	}
	f.SenderDomains = append([]string(nil), s.SenderDomains...)
	f.RecipientDomains = append([]string(nil), s.RecipientDomains...)
	if len(s.IDs) > 0 {
		f.IDs = map[uint64]bool{}
		for _, id := range s.IDs {
			f.IDs[id] = true
		}
	}
	compile := func(name, expr string) (*regexp.Regexp, error) {
		full := expr
		if !s.CaseSensitive {
			full = "(?i)" + expr
		}
		re, err := regexp.Compile(full)
		if err != nil {
			var se *syntax.Error
			if errors.As(err, &se) {
				return nil, s.errorf("%s: bad regular expression %q: %s", s.term(name), expr, se.Code)
			}
			return nil, s.errorf("%s: bad regular expression %q: %v", s.term(name), expr, err)
		}
		return re, nil
	}
	for _, m := range s.Match {
		// The header block has one field per line: ^ and $ anchor at lines.
		re, err := compile("match", "(?m)"+m)
		if err != nil {
			return nil, err
		}
		f.Match = append(f.Match, re)
	}
	for _, h := range s.Headers {
		name, expr, ok := strings.Cut(h, "=")
		if !ok || name == "" || strings.ContainsAny(name, " :\t") {
			example := "--header 'X-Mailer=^PHPMailer'"
			if s.Query {
				example = "header:X-Mailer=^PHPMailer"
			}
			return nil, s.errorf("%s %q: want NAME=REGEX, e.g. %s", s.term("header"), h, example)
		}
		re, err := compile("header", expr)
		if err != nil {
			return nil, err
		}
		f.Headers = append(f.Headers, HeaderMatch{Name: name, Re: re})
	}
	var err error
	if s.Subject != "" {
		re, err := compile("subject", s.Subject)
		if err != nil {
			return nil, err
		}
		f.Headers = append(f.Headers, HeaderMatch{Name: "Subject", Re: re})
	}
	if s.Body != "" {
		if f.Body, err = compile("body", s.Body); err != nil {
			return nil, err
		}
		f.BodyLimit = DefaultBodyLimit
		if s.BodyLimit != "" {
			if f.BodyLimit, err = ParseSize(s.BodyLimit); err != nil {
				return nil, s.errorf("%s: %v", s.term("body-limit"), err)
			}
		}
	}
	if s.Attachment != "" {
		if f.Attachment, err = compile("attachment", s.Attachment); err != nil {
			return nil, err
		}
	}
	for _, a := range []struct {
		name, val string
		dst       *time.Duration
	}{{"older", s.Older, &f.OlderThan}, {"newer", s.Newer, &f.NewerThan}} {
		if a.val == "" {
			continue
		}
		d, err := ParseAge(a.val)
		if err != nil {
			return nil, s.errorf("%s: %v", s.term(a.name), err)
		}
		*a.dst = d
	}
	for _, z := range []struct {
		name, val string
		dst       *int64
	}{{"larger", s.Larger, &f.LargerThan}, {"smaller", s.Smaller, &f.SmallerThan}} {
		if z.val == "" {
			continue
		}
		n, err := ParseSize(z.val)
		if err != nil {
			return nil, s.errorf("%s: %v", s.term(z.name), err)
		}
		*z.dst = n
	}
	switch {
	case s.Local && s.Remote:
		return nil, s.errorf("%s and %s exclude each other; run twice, or use neither", s.term("local"), s.term("remote"))
	case s.Local:
		f.Channel = ChannelLocal
	case s.Remote:
		f.Channel = ChannelRemote
	}
	f.TodoOnly, f.Bouncing, f.Not = s.Todo, s.Bouncing, s.Not
	return f, nil
}
