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
// A term is NAME:VALUE, with NAME the name of a value filter of [Filters]
// (sender, rcpt, older, …) or id; a filter's comparison spelling
// ([FilterDef.Compare]: size>SIZE for larger:SIZE, age<AGE for newer:AGE)
// stands for NAME:; and a bare word is a switch (local, remote, todo,
// bouncing, case, not). Terms combine exactly as the flags do: all must
// hold, a repeated list term (sender, rcpt, …) matches any of its values, a
// repeated single term keeps its last value, and not negates the whole
// selection. A value containing white space, or starting with a double
// quote, is written in double quotes, with \" and \\ inside them.

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
			d := LookupFilter(name)
			if d == nil || d.Kind != FilterSwitch {
				return nil, &QueryError{start, fmt.Sprintf("unknown term %q: want NAME:VALUE (sender:, subject:, older:, …) or one of %s", q[start:i], querySwitches())}
			}
			d.Set(s, "")
			continue
		}
		d := LookupFilter(name)
		if q[i] != ':' {
			cmp := name + string(q[i])
			if d = LookupFilter(cmp); d == nil {
				return nil, &QueryError{start, fmt.Sprintf("unknown comparison %q: want size>, size<, age> or age<", cmp)}
			}
			name = d.Name
		}
		i++
		val, next, err := queryValue(q, i)
		if err != nil {
			return nil, err
		}
		switch {
		case name == "id":
			id, err := ParseID(val)
			if err != nil {
				return nil, &QueryError{i, err.Error()}
			}
			s.IDs = append(s.IDs, id)
		case d == nil || d.Kind == FilterSwitch:
			return nil, &QueryError{start, fmt.Sprintf("unknown term %q", name+":")}
		default:
			d.Set(s, val)
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

// querySwitches lists the switches' names, for an error message.
func querySwitches() string {
	var names []string
	for _, d := range Filters {
		if d.Kind == FilterSwitch {
			names = append(names, d.Name)
		}
	}
	return strings.Join(names, ", ")
}

// String writes the spec as a filter query that ParseQuery reads back to
// the same spec (apart from Query).
func (s *FilterSpec) String() string {
	var terms, switches []string
	for i := range Filters {
		d := &Filters[i]
		for _, v := range d.values(s) {
			if d.Kind == FilterSwitch {
				switches = append(switches, d.Name)
			} else {
				terms = append(terms, d.Name+":"+quoteQueryValue(v))
			}
		}
	}
	for _, id := range s.IDs {
		terms = append(terms, "id:"+strconv.FormatUint(id, 10))
	}
	return strings.Join(append(terms, switches...), " ")
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
