package qmailqueue

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The filter query language is the filter flags written as one line, for
// places where flags cannot be given (qq browse's / prompt):
//
//	sender:news@spammer.example subject:Free older:2h
//	rcpt-domain:.example.org size>1M attachment:\.exe$ not
//
// A term is NAME:VALUE, with NAME one of the value flags' names (sender,
// rcpt, sender-domain, rcpt-domain, match, header, subject, body,
// body-limit, attachment, older, newer, larger, smaller, id); size>SIZE and
// size<SIZE are larger: and smaller:, age>AGE and age<AGE are older: and
// newer:; and a bare word is a switch flag (local, remote, todo, bouncing,
// not, case). Terms combine exactly as the flags do: all must hold, a
// repeated list term (sender, rcpt, …) matches any of its values, a
// repeated single term keeps its last value, and not negates the whole
// selection. A value containing white space, or starting with a double
// quote, is written in double quotes, with \" and \\ inside them.

// queryLists are the terms that may repeat, each adding a value.
var queryLists = []struct {
	name string
	get  func(*FilterSpec) *[]string
}{
	{"sender", func(s *FilterSpec) *[]string { return &s.Senders }},
	{"rcpt", func(s *FilterSpec) *[]string { return &s.Recipients }},
	{"sender-domain", func(s *FilterSpec) *[]string { return &s.SenderDomains }},
	{"rcpt-domain", func(s *FilterSpec) *[]string { return &s.RecipientDomains }},
	{"match", func(s *FilterSpec) *[]string { return &s.Match }},
	{"header", func(s *FilterSpec) *[]string { return &s.Headers }},
}

// queryValues are the terms with one value.
var queryValues = []struct {
	name string
	get  func(*FilterSpec) *string
}{
	{"subject", func(s *FilterSpec) *string { return &s.Subject }},
	{"body", func(s *FilterSpec) *string { return &s.Body }},
	{"body-limit", func(s *FilterSpec) *string { return &s.BodyLimit }},
	{"attachment", func(s *FilterSpec) *string { return &s.Attachment }},
	{"older", func(s *FilterSpec) *string { return &s.Older }},
	{"newer", func(s *FilterSpec) *string { return &s.Newer }},
	{"larger", func(s *FilterSpec) *string { return &s.Larger }},
	{"smaller", func(s *FilterSpec) *string { return &s.Smaller }},
}

// querySwitches are the bare-word terms.
var querySwitches = []struct {
	name string
	get  func(*FilterSpec) *bool
}{
	{"local", func(s *FilterSpec) *bool { return &s.Local }},
	{"remote", func(s *FilterSpec) *bool { return &s.Remote }},
	{"todo", func(s *FilterSpec) *bool { return &s.Todo }},
	{"bouncing", func(s *FilterSpec) *bool { return &s.Bouncing }},
	{"case", func(s *FilterSpec) *bool { return &s.CaseSensitive }},
	{"not", func(s *FilterSpec) *bool { return &s.Not }},
}

// queryComparisons are the name>value and name<value terms.
var queryComparisons = map[string]string{
	"size>": "larger", "size<": "smaller", "age>": "older", "age<": "newer",
}

// QueryError is a mistake in a filter query, at byte offset Pos.
type QueryError struct {
	Pos int
	Msg string
}

func (e *QueryError) Error() string { return fmt.Sprintf("filter query, at %d: %s", e.Pos+1, e.Msg) }

// ParseQuery reads a filter query into a FilterSpec (with Query set, so
// that Build's errors name terms). Only the syntax is checked here: values
// (ages, sizes, regular expressions) are checked by Build, as for flags.
func ParseQuery(q string) (*FilterSpec, error) {
	s := &FilterSpec{Query: true}
	i := 0
	for {
		for i < len(q) {
			r, n := utf8.DecodeRuneInString(q[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
		if i >= len(q) {
			return s, nil
		}
		start := i
		for i < len(q) && q[i] != ':' && q[i] != '<' && q[i] != '>' && !isSpaceAt(q, i) {
			i++
		}
		name := strings.ToLower(q[start:i])
		if i >= len(q) || isSpaceAt(q, i) {
			if !s.setSwitch(name) {
				return nil, &QueryError{start, fmt.Sprintf("unknown term %q: want NAME:VALUE (sender:, subject:, older:, …) or one of local, remote, todo, bouncing, case, not", q[start:i])}
			}
			continue
		}
		if q[i] != ':' {
			cmp := name + string(q[i])
			mapped, ok := queryComparisons[cmp]
			if !ok {
				return nil, &QueryError{start, fmt.Sprintf("unknown comparison %q: want size>, size<, age> or age<", cmp)}
			}
			name = mapped
		}
		i++
		val, next, err := queryValue(q, i)
		if err != nil {
			return nil, err
		}
		if !s.setValue(name, val) {
			return nil, &QueryError{start, fmt.Sprintf("unknown term %q", name+":")}
		}
		if name == "id" {
			id, err := ParseID(val)
			if err != nil {
				return nil, &QueryError{i, err.Error()}
			}
			s.IDs = append(s.IDs, id)
		}
		i = next
	}
}

func isSpaceAt(q string, i int) bool {
	r, _ := utf8.DecodeRuneInString(q[i:])
	return unicode.IsSpace(r)
}

// queryValue reads the value starting at i: up to white space, or a quoted
// string. It returns the value and the offset after it.
func queryValue(q string, i int) (string, int, error) {
	if i >= len(q) || q[i] != '"' {
		start := i
		for i < len(q) && !isSpaceAt(q, i) {
			i++
		}
		return q[start:i], i, nil
	}
	open := i
	var b strings.Builder
	for i++; i < len(q); i++ {
		switch c := q[i]; c {
		case '\\':
			if i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\\') {
				i++
				b.WriteByte(q[i])
			} else {
				b.WriteByte(c)
			}
		case '"':
			i++
			if i < len(q) && !isSpaceAt(q, i) {
				return "", 0, &QueryError{i, "a quoted value must be followed by a space"}
			}
			return b.String(), i, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, &QueryError{open, "unterminated quoted value"}
}

func (s *FilterSpec) setSwitch(name string) bool {
	for _, t := range querySwitches {
		if t.name == name {
			*t.get(s) = true
			return true
		}
	}
	return false
}

func (s *FilterSpec) setValue(name, val string) bool {
	if name == "id" {
		return true // parsed by the caller
	}
	for _, t := range queryLists {
		if t.name == name {
			p := t.get(s)
			*p = append(*p, val)
			return true
		}
	}
	for _, t := range queryValues {
		if t.name == name {
			*t.get(s) = val
			return true
		}
	}
	return false
}

// String writes the spec as a filter query that ParseQuery reads back to
// the same spec (apart from Query).
func (s *FilterSpec) String() string {
	var terms []string
	for _, t := range queryLists {
		for _, v := range *t.get(s) {
			terms = append(terms, t.name+":"+quoteQueryValue(v))
		}
	}
	for _, t := range queryValues {
		if v := *t.get(s); v != "" {
			terms = append(terms, t.name+":"+quoteQueryValue(v))
		}
	}
	for _, id := range s.IDs {
		terms = append(terms, "id:"+strconv.FormatUint(id, 10))
	}
	for _, t := range querySwitches {
		if *t.get(s) {
			terms = append(terms, t.name)
		}
	}
	return strings.Join(terms, " ")
}

// quoteQueryValue quotes v when the query reader would not read it back
// as it is.
func quoteQueryValue(v string) string {
	if v != "" && v[0] != '"' && !strings.ContainsFunc(v, unicode.IsSpace) && utf8.ValidString(v) {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}
