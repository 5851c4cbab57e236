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
// same in both and reports the same mistakes. [Filters] names each field's
// flag and query term.
type FilterSpec struct {
	Senders, Recipients             []string // addresses, <> or "" for the null sender
	SenderDomains, RecipientDomains []string // .example.com: it and its subdomains
	Match                           []string // regexes over the decoded header block
	Headers                         []string // NAME=REGEX
	Subject, Body, Attachment       string   // regexes; empty means unset
	Helo                            string   // regex over the nearest hop's HELO name
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

// FilterKind is what kind of value a filter takes.
type FilterKind int

// The kinds of filter values.
const (
	FilterSwitch      FilterKind = iota // none: --todo, or the word todo in a query
	FilterAddress                       // an envelope address (<> or "" is the null sender)
	FilterDomain                        // a domain (.example.com: it and its subdomains)
	FilterRegex                         // a regular expression
	FilterHeaderRegex                   // NAME=REGEX
	FilterAge                           // an age, read by ParseAge
	FilterSize                          // a size, read by ParseSize
)

// FilterDef describes one filter of [FilterSpec] once for every place a
// user gives it: the command-line flag --Name, the query term Name:VALUE
// (or the bare word Name for a switch), completion and help.
type FilterDef struct {
	// Name is the flag's name and the query term.
	Name string
	// Usage is the flag's help text; a word in backquotes names the value,
	// as pflag reads it.
	Usage string
	// Kind is what the value is.
	Kind FilterKind
	// Default is the flag's default as help shows it ("" for none); a
	// query leaves the field empty, which Build reads as the same.
	Default string
	// Compare is another query spelling, NAME> or NAME<, that means Name:
	// (size> for larger:), or "".
	Compare string
	// field returns the FilterSpec field the values go to.
	field func(*FilterSpec) any
}

// Filters is the one list of filters: the selecting commands' flags, the
// filter query's terms and their completion are made from it, in this
// order. A new filter is a FilterSpec field and an entry here, what
// [FilterSpec.Build] makes of it, and its test in [Filter]'s match.
var Filters = []FilterDef{
	{Name: "sender", Kind: FilterAddress, Usage: "envelope sender `ADDR` (<> or \"\" for the null sender)",
		field: func(s *FilterSpec) any { return &s.Senders }},
	{Name: "rcpt", Kind: FilterAddress, Usage: "a recipient `ADDR`",
		field: func(s *FilterSpec) any { return &s.Recipients }},
	{Name: "sender-domain", Kind: FilterDomain, Usage: "sender `DOMAIN` (.example.com: it and its subdomains)",
		field: func(s *FilterSpec) any { return &s.SenderDomains }},
	{Name: "rcpt-domain", Kind: FilterDomain, Usage: "a recipient's `DOMAIN` (.example.com: it and its subdomains)",
		field: func(s *FilterSpec) any { return &s.RecipientDomains }},
	{Name: "match", Kind: FilterRegex, Usage: "`REGEX` over the decoded header block, one \"Name: value\" per line (^ and $ anchor at lines)",
		field: func(s *FilterSpec) any { return &s.Match }},
	{Name: "header", Kind: FilterHeaderRegex, Usage: "`NAME=REGEX` over the decoded values of one header",
		field: func(s *FilterSpec) any { return &s.Headers }},
	{Name: "subject", Kind: FilterRegex, Usage: "`REGEX` over the decoded Subject",
		field: func(s *FilterSpec) any { return &s.Subject }},
	{Name: "body", Kind: FilterRegex, Usage: "`REGEX` over the decoded text of the body (reads bodies: slow)",
		field: func(s *FilterSpec) any { return &s.Body }},
	{Name: "body-limit", Kind: FilterSize, Default: "1M", Usage: "read at most `SIZE` of each body for --body",
		field: func(s *FilterSpec) any { return &s.BodyLimit }},
	{Name: "attachment", Kind: FilterRegex, Usage: "`REGEX` over attachments' file names and media types (\\.(exe|scr|js)$, zip; reads bodies: slow)",
		field: func(s *FilterSpec) any { return &s.Attachment }},
	{Name: "helo", Kind: FilterRegex, Usage: "`REGEX` over the HELO name of the nearest Received hop (as qq top --by helo shows it)",
		field: func(s *FilterSpec) any { return &s.Helo }},
	{Name: "older", Kind: FilterAge, Compare: "age>", Usage: "queued longer ago than `AGE` (90s, 30m, 2h, 3d, 1w)",
		field: func(s *FilterSpec) any { return &s.Older }},
	{Name: "newer", Kind: FilterAge, Compare: "age<", Usage: "queued less long ago than `AGE`",
		field: func(s *FilterSpec) any { return &s.Newer }},
	{Name: "larger", Kind: FilterSize, Compare: "size>", Usage: "message larger than `SIZE` (500, 10k, 1M)",
		field: func(s *FilterSpec) any { return &s.Larger }},
	{Name: "smaller", Kind: FilterSize, Compare: "size<", Usage: "message smaller than `SIZE`",
		field: func(s *FilterSpec) any { return &s.Smaller }},
	{Name: "local", Kind: FilterSwitch, Usage: "with local recipients pending",
		field: func(s *FilterSpec) any { return &s.Local }},
	{Name: "remote", Kind: FilterSwitch, Usage: "with remote recipients pending",
		field: func(s *FilterSpec) any { return &s.Remote }},
	{Name: "todo", Kind: FilterSwitch, Usage: "not yet preprocessed by qmail-send (only in todo/)",
		field: func(s *FilterSpec) any { return &s.Todo }},
	{Name: "bouncing", Kind: FilterSwitch, Usage: "with a bounce report waiting (bounce/ID exists)",
		field: func(s *FilterSpec) any { return &s.Bouncing }},
	{Name: "case", Kind: FilterSwitch, Usage: "regular expressions are case-sensitive",
		field: func(s *FilterSpec) any { return &s.CaseSensitive }},
	{Name: "not", Kind: FilterSwitch, Usage: "select the messages the other filters do not",
		field: func(s *FilterSpec) any { return &s.Not }},
}

// Field returns the field of s that d's values go to: a *[]string for a
// filter that may be repeated (each value adds one), a *bool for a
// FilterSwitch, and a *string otherwise (the last value wins).
func (d *FilterDef) Field(s *FilterSpec) any { return d.field(s) }

// Set gives the filter the value v in s: it adds v to a repeatable
// filter's values, replaces a single value, and turns a switch on (v is
// ignored).
func (d *FilterDef) Set(s *FilterSpec, v string) {
	switch p := d.field(s).(type) {
	case *[]string:
		*p = append(*p, v)
	case *string:
		*p = v
	case *bool:
		*p = true
	}
}

// values returns the values the filter holds in s, as Set would give them
// again: each value of a repeatable filter, a single value if set, and ""
// for a switch that is on.
func (d *FilterDef) values(s *FilterSpec) []string {
	switch p := d.field(s).(type) {
	case *[]string:
		return *p
	case *string:
		if *p != "" {
			return []string{*p}
		}
	case *bool:
		if *p {
			return []string{""}
		}
	}
	return nil
}

// LookupFilter returns the filter named name, or spelled name as a
// comparison (size>), or nil.
func LookupFilter(name string) *FilterDef {
	for i := range Filters {
		if d := &Filters[i]; d.Name == name || (d.Compare != "" && d.Compare == name) {
			return d
		}
	}
	return nil
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
	if s.Helo != "" {
		if f.Helo, err = compile("helo", s.Helo); err != nil {
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
