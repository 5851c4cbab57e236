package qmailqueue

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want FilterSpec
	}{
		{"", FilterSpec{}},
		{"sender:news@spammer.example subject:Free older:2h", FilterSpec{Senders: []string{"news@spammer.example"}, Subject: "Free", Older: "2h"}},
		{"rcpt-domain:.example.org size>1M attachment:\\.exe$ not", FilterSpec{RecipientDomains: []string{".example.org"}, Larger: "1M", Attachment: `\.exe$`, Not: true}},
		{"  sender:a@x   sender:<>  ", FilterSpec{Senders: []string{"a@x", "<>"}}},
		{`subject:"Free money \"now\"" age<30m`, FilterSpec{Subject: `Free money "now"`, Newer: "30m"}},
		{`sender:""`, FilterSpec{Senders: []string{""}}},
		{"Subject:a subject:b", FilterSpec{Subject: "b"}},
		{"size<10k age>1d local todo bouncing case", FilterSpec{Smaller: "10k", Older: "1d", Local: true, Todo: true, Bouncing: true, CaseSensitive: true}},
		{"header:X-Mailer=^PHP match:^From:.*bad id:#123 id:9", FilterSpec{Headers: []string{"X-Mailer=^PHP"}, Match: []string{"^From:.*bad"}, IDs: []uint64{123, 9}}},
		{`body:"a b\c" body-limit:64k`, FilterSpec{Body: `a b\c`, BodyLimit: "64k"}},
		{"helo:^win- HELO:^bot", FilterSpec{Helo: "^bot"}},
	}
	for _, tt := range tests {
		got, err := ParseQuery(tt.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.in, err)
			continue
		}
		tt.want.Query = true
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", tt.in, *got, tt.want)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"free", `filter query, at 1: unknown term "free"`},
		{"sender:a foo:b", `filter query, at 10: unknown term "foo:"`},
		{"size=1M", `unknown term "size=1M"`},
		{"weight>3", `unknown comparison "weight>"`},
		{`subject:"open`, "at 9: unterminated quoted value"},
		{`subject:"a"b`, "a quoted value must be followed by a space"},
		{"id:x1", `bad message ID "x1"`},
	}
	for _, tt := range tests {
		_, err := ParseQuery(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseQuery(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestQueryBuildErrors checks that values are checked by Build, the flags'
// code path, with errors naming the query term.
func TestQueryBuildErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"older:3x", `older: bad duration "3x": unknown unit 'x' (use s, m, h, d or w)`},
		{"size>lots", `larger: bad size "lots": want e.g. 500, 10k, 1M or 34MB`},
		{"subject:(", `subject: bad regular expression "(": missing closing )`},
		{"header:Subject", `header "Subject": want NAME=REGEX, e.g. header:X-Mailer=^PHPMailer`},
		{"local remote", "local and remote exclude each other; run twice, or use neither"},
		{"body:x body-limit:big", `body-limit: bad size "big"`},
		{"helo:[", `helo: bad regular expression "[": missing closing ]`},
	}
	for _, tt := range tests {
		s, err := ParseQuery(tt.in)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", tt.in, err)
		}
		_, err = s.Build(time.Unix(0, 0))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Build(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
	// The flag form names flags.
	_, err := (&FilterSpec{Older: "3x"}).Build(time.Unix(0, 0))
	if err == nil || !strings.HasPrefix(err.Error(), "--older: bad duration") {
		t.Errorf("flag error = %v", err)
	}
}

// TestQueryBuildsFlagFilter checks that a query builds the filter the same
// terms as flags build.
func TestQueryBuildsFlagFilter(t *testing.T) {
	now := time.Unix(1e9, 0)
	q, err := ParseQuery(`sender:<> rcpt-domain:.example.org size>1M size<2M age>2h subject:Free attachment:\.exe$ remote not id:42`)
	if err != nil {
		t.Fatal(err)
	}
	flags := &FilterSpec{Senders: []string{"<>"}, RecipientDomains: []string{".example.org"}, Larger: "1M", Smaller: "2M",
		Older: "2h", Subject: "Free", Attachment: `\.exe$`, Remote: true, Not: true, IDs: []uint64{42}}
	got, err1 := q.Build(now)
	want, err2 := flags.Build(now)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query filter %+v\nflags filter %+v", got, want)
	}
	if got.Senders[0] != "" || got.LargerThan != 1<<20 || got.OlderThan != 2*time.Hour || got.Channel != ChannelRemote {
		t.Errorf("filter %+v", got)
	}
}

// FuzzQuery checks that parsing never panics and that a parsed query
// written back with String parses to the same spec.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"sender:news@spammer.example subject:Free older:2h",
		`rcpt-domain:.example.org size>1M attachment:\.exe$ not`,
		`subject:"a \"b\" \\ c" id:7 local`, `sender:""`, "age<1d case", "header:X=y\u0085z", "helo:^win- not",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s1, err := ParseQuery(q)
		if err != nil {
			return
		}
		text := s1.String()
		s2, err := ParseQuery(text)
		if err != nil {
			t.Fatalf("ParseQuery(%q) -> %q: %v", q, text, err)
		}
		if !reflect.DeepEqual(s1, s2) {
			t.Fatalf("ParseQuery(%q) = %+v\nString %q parses to %+v", q, s1, text, s2)
		}
		s1.Build(time.Unix(0, 0)) // must not panic
	})
}

// FuzzSpecString checks that any flag values, written as a query, read
// back as the same values: a query can say whatever flags can.
func FuzzSpecString(f *testing.F) {
	f.Add("a@b", ".example", "Free", "2h", "1M", true)
	f.Add("", " x\"y\\", "\"", "", "", false)
	f.Fuzz(func(t *testing.T, sender, domain, subject, older, larger string, not bool) {
		flags := &FilterSpec{Senders: []string{sender}, RecipientDomains: []string{domain}, Subject: subject,
			Older: older, Larger: larger, Not: not, Query: true}
		got, err := ParseQuery(flags.String())
		if err != nil {
			t.Fatalf("%q: %v", flags.String(), err)
		}
		// Empty single values are unset in both forms.
		if !reflect.DeepEqual(got, flags) {
			t.Fatalf("%q parses to %+v, want %+v", flags.String(), got, flags)
		}
	})
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"500": 500, "10k": 10 << 10, "1M": 1 << 20, "34MB": 34 << 20, "2g": 2 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "-1", "1T", "99999999999999999999"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}
