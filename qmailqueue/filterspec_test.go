package qmailqueue

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestFiltersRegistry checks that Filters describes every criterion of
// FilterSpec once: each field the user sets (all but IDs and Query) has
// exactly one entry, names and comparison spellings are unique, and the
// value type of each field fits the entry's kind.
func TestFiltersRegistry(t *testing.T) {
	var s FilterSpec
	fields := map[uintptr]string{}
	names := map[string]bool{}
	for _, d := range Filters {
		if d.Name == "" || d.Usage == "" || strings.ToLower(d.Name) != d.Name {
			t.Errorf("%+v: want a lower-case name and a usage text", d)
		}
		for _, n := range []string{d.Name, d.Compare} {
			if n != "" && names[n] {
				t.Errorf("%q named twice", n)
			}
			names[n] = true
		}
		if d.Compare != "" && !strings.HasSuffix(d.Compare, ">") && !strings.HasSuffix(d.Compare, "<") {
			t.Errorf("%s: comparison %q does not end in > or <", d.Name, d.Compare)
		}
		p := reflect.ValueOf(d.Field(&s))
		if p.Kind() != reflect.Pointer {
			t.Fatalf("%s: Field is %T, want a pointer", d.Name, d.Field(&s))
		}
		if prev, ok := fields[p.Pointer()]; ok {
			t.Errorf("%s and %s share one field", prev, d.Name)
		}
		fields[p.Pointer()] = d.Name
		switch d.Field(&s).(type) {
		case *bool:
			if d.Kind != FilterSwitch {
				t.Errorf("%s: a bool field of kind %v", d.Name, d.Kind)
			}
		case *string, *[]string:
			if d.Kind == FilterSwitch {
				t.Errorf("%s: a switch with a value field", d.Name)
			}
		default:
			t.Errorf("%s: Field is %T", d.Name, d.Field(&s))
		}
	}
	v := reflect.ValueOf(&s).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "IDs" || name == "Query" {
			continue
		}
		if _, ok := fields[v.Field(i).Addr().Pointer()]; !ok {
			t.Errorf("FilterSpec.%s has no entry in Filters", name)
		}
	}
	if d := LookupFilter("size>"); d == nil || d.Name != "larger" {
		t.Errorf("LookupFilter(size>) = %+v", d)
	}
	if d := LookupFilter("no-such"); d != nil {
		t.Errorf("LookupFilter(no-such) = %+v", d)
	}
}

// TestFiltersQueryRoundTrip sets every filter through the registry and
// checks that the query text names it and reads back to the same spec.
func TestFiltersQueryRoundTrip(t *testing.T) {
	for _, d := range Filters {
		s := &FilterSpec{Query: true}
		d.Set(s, "v 1")
		d.Set(s, "v2")
		text := s.String()
		want := d.Name
		if d.Kind != FilterSwitch {
			want += ":v2"
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s: String() = %q, want it to hold %q", d.Name, text, want)
		}
		got, err := ParseQuery(text)
		if err != nil {
			t.Fatalf("%s: ParseQuery(%q): %v", d.Name, text, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("%s: %q reads back as %+v, want %+v", d.Name, text, got, s)
		}
	}
}

// TestHeloFilter checks --helo end to end from the spec: the HELO name of
// the nearest Received hop only, case-insensitive unless --case, and a
// message without a hop never matches.
func TestHeloFilter(t *testing.T) {
	headers := map[uint64]string{
		1: "Received: from unknown (HELO WIN-4J5K2M8Q) (203.0.113.66)\n  by mail.example.com with SMTP; d\nSubject: a\n\n",
		2: "Received: (qmail 7 invoked from network); d\n" +
			"Received: from mx.example.net (HELO Relay.Example.Net) (198.51.100.7)\n  by mail.example.com with SMTP; d\n" +
			"Received: from laptop (host.example.net [192.0.2.1])\n  by mx.example.net (Postfix); d\n\n",
		3: "Received: (qmail 8 invoked by uid 1000); d\nSubject: local\n\n",
	}
	tests := []struct {
		spec FilterSpec
		want []uint64
	}{
		{FilterSpec{Helo: "^win-"}, []uint64{1}},
		{FilterSpec{Helo: `^relay\.example\.net$`}, []uint64{2}},
		{FilterSpec{Helo: "laptop"}, nil}, // the second hop is not looked at
		{FilterSpec{Helo: "^win-", CaseSensitive: true}, nil},
		{FilterSpec{Helo: "^WIN-", CaseSensitive: true}, []uint64{1}},
		{FilterSpec{Helo: ".", Not: true}, []uint64{3}},
	}
	for _, tt := range tests {
		f, err := tt.spec.Build(time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if !f.needsHeader() || f.IsZero() {
			t.Errorf("%+v: needsHeader %v, IsZero %v", tt.spec, f.needsHeader(), f.IsZero())
		}
		var got []uint64
		for id := uint64(1); id <= 3; id++ {
			m := &Message{ID: id}
			ok, err := f.match(m, func() { m.Header, _ = ParseHeader(strings.NewReader(headers[id])) }, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, id)
			}
		}
		if !equalIDs(got, tt.want) {
			t.Errorf("%+v selects %v, want %v", tt.spec, got, tt.want)
		}
	}
	_, err := (&FilterSpec{Helo: "("}).Build(time.Unix(0, 0))
	if err == nil || err.Error() != `--helo: bad regular expression "(": missing closing )` {
		t.Errorf("bad --helo: %v", err)
	}
}
