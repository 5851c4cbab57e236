package qmailqueue

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestFilterCriteria(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	spam := &Message{ID: 101, State: StatePreprocessed, Birth: now.Add(-3 * 24 * time.Hour), Size: 2048,
		Sender: "Promo@Cheap-Meds.example", Recipients: []Recipient{
			{Address: "a@victim.example", Channel: ChannelRemote},
			{Address: "b@sub.victim.example", Channel: ChannelRemote, Done: true},
		}}
	bounce := &Message{ID: 102, State: StatePreprocessed, Birth: now.Add(-10 * time.Minute), Size: 34 << 20,
		Sender: "", Bouncing: true, Recipients: []Recipient{{Address: "postmaster@mail.example", Channel: ChannelLocal}}}
	todo := &Message{ID: 103, State: StateQueued, Birth: now.Add(-time.Minute), Size: 500, Sender: "x@y.example",
		Recipients: []Recipient{{Address: "c@z.example"}}}
	headers := map[uint64]string{
		101: "Subject: =?UTF-8?B?RnJlZSBQdXBpbCBFbmxhcmdlbWVudA==?=\nX-Mailer: PHPMailer 5.2\n\n",
		102: "Subject: failure notice\n\n",
		103: "Subject: Re: lunch\n\n",
	}
	bodies := map[uint64]string{
		101: "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nQnV5IGNoZWFwIHBpbGxzIG5vdyE=\n",
		102: "Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nd=E9j=E0 vu\n--XX\nContent-Type: application/pdf\n\nJVBERi0=\n--XX--\n",
		103: "\nplain body\n",
	}
	re := regexp.MustCompile
	tests := []struct {
		name string
		f    Filter
		want []uint64
	}{
		{"zero", Filter{}, []uint64{101, 102, 103}},
		{"ids", Filter{IDs: map[uint64]bool{102: true}}, []uint64{102}},
		{"sender case-insensitive", Filter{Senders: []string{"promo@cheap-meds.EXAMPLE"}}, []uint64{101}},
		{"null sender", Filter{Senders: []string{""}}, []uint64{102}},
		{"sender domain", Filter{SenderDomains: []string{"cheap-meds.example", "y.example"}}, []uint64{101, 103}},
		{"recipient any, done included", Filter{Recipients: []string{"B@sub.victim.example"}}, []uint64{101}},
		{"recipient domain exact", Filter{RecipientDomains: []string{"victim.example"}}, []uint64{101}},
		{"recipient domain with subdomains", Filter{RecipientDomains: []string{".victim.example"}}, []uint64{101}},
		{"recipient subdomain only", Filter{RecipientDomains: []string{"sub.victim.example"}}, []uint64{101}},
		{"dotted domain matches itself", Filter{SenderDomains: []string{".cheap-meds.example"}}, []uint64{101}},
		{"no partial label match", Filter{SenderDomains: []string{".meds.example"}}, nil},
		{"older", Filter{OlderThan: 24 * time.Hour}, []uint64{101}},
		{"newer", Filter{NewerThan: 5 * time.Minute}, []uint64{103}},
		{"larger", Filter{LargerThan: 1 << 20}, []uint64{102}},
		{"smaller", Filter{SmallerThan: 1000}, []uint64{103}},
		{"local pending", Filter{Channel: ChannelLocal}, []uint64{102}},
		{"remote pending", Filter{Channel: ChannelRemote}, []uint64{101}},
		{"todo only", Filter{TodoOnly: true}, []uint64{103}},
		{"bouncing", Filter{Bouncing: true}, []uint64{102}},
		{"match decoded header", Filter{Match: []*regexp.Regexp{re("(?i)subject: free pupil")}}, []uint64{101}},
		{"header by name", Filter{Headers: []HeaderMatch{{"x-mailer", re("^PHPMailer")}}}, []uint64{101}},
		{"body base64", Filter{Body: re("cheap pills")}, []uint64{101}},
		{"body quoted-printable latin-1 part", Filter{Body: re("déjà")}, []uint64{102}},
		{"body skips attachments", Filter{Body: re("JVBERi0")}, nil},
		{"and", Filter{SenderDomains: []string{"cheap-meds.example"}, OlderThan: 7 * 24 * time.Hour}, nil},
		{"not", Filter{Bouncing: true, Not: true}, []uint64{101, 103}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			f.Now = now
			if f.LargerThan == 0 {
				f.LargerThan = -1
			}
			if f.SmallerThan == 0 {
				f.SmallerThan = -1
			}
			var got []uint64
			headerReads := 0
			for _, m := range []*Message{spam, bounce, todo} {
				m := *m
				m.Header = nil
				ok, err := f.match(&m, func() {
					headerReads++
					h, _ := ParseHeader(strings.NewReader(headers[m.ID]))
					m.Header = h
				}, func(int64) (io.ReadCloser, error) {
					return io.NopCloser(strings.NewReader(headers[m.ID][:len(headers[m.ID])-1] + bodies[m.ID])), nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					got = append(got, m.ID)
				}
			}
			if !equalIDs(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if !f.needsHeader() && headerReads > 0 {
				t.Errorf("read headers %d times for a filter that does not need them", headerReads)
			}
		})
	}
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilterFields(t *testing.T) {
	if f := NewFilter(); f.fields() != 0 || !f.IsZero() {
		t.Errorf("zero filter needs %v", f.fields())
	}
	f := NewFilter()
	f.Match = []*regexp.Regexp{regexp.MustCompile("x")}
	if f.fields() != 0 || !f.needsHeader() {
		t.Errorf("header filter needs fields %v, header %v", f.fields(), f.needsHeader())
	}
	f = NewFilter()
	f.RecipientDomains = []string{"x"}
	f.LargerThan = 10
	if f.fields() != FieldRecipients|FieldSize {
		t.Errorf("fields = %v", f.fields())
	}
}

func TestNextRetry(t *testing.T) {
	b := time.Unix(1795338018, 0)
	tests := []struct {
		age  int64
		c    Channel
		want int64 // seconds after birth
	}{
		{0, ChannelRemote, 400},
		{0, ChannelLocal, 100},
		{399, ChannelRemote, 400},
		{400, ChannelRemote, 1600},
		{401, ChannelRemote, 1600},
		{577600, ChannelRemote, 608400},
		{-50, ChannelRemote, 400},
		{-50, ChannelLocal, 100},
	}
	for _, tt := range tests {
		got := nextRetry(b, b.Add(time.Duration(tt.age)*time.Second), tt.c)
		if got.Unix()-b.Unix() != tt.want {
			t.Errorf("age %d %v: next retry at +%d, want +%d", tt.age, tt.c, got.Unix()-b.Unix(), tt.want)
		}
	}
	// A local/remote mtime in the future is qmail-send's saved schedule.
	m := &Message{Birth: b, RemoteMtime: b.Add(time.Hour), Recipients: []Recipient{{Channel: ChannelRemote}}}
	if next, ok := m.NextRetry(b.Add(time.Minute)); !ok || !next.Equal(b.Add(time.Hour)) {
		t.Errorf("saved schedule: %v %v", next, ok)
	}
	if _, ok := (&Message{Recipients: []Recipient{{Done: true}}}).NextRetry(b); ok {
		t.Errorf("nothing pending has no next retry")
	}
	for _, n := range []int64{0, 1, 3, 4, 15, 16, 1<<62 - 1, 999999999999} {
		r := isqrt(n)
		if r*r > n || (r+1)*(r+1) <= n {
			t.Errorf("isqrt(%d) = %d", n, r)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]uint64{"9995400": 9995400, "#9995400": 9995400, " 12 ": 12} {
		if got, err := ParseID(in); err != nil || got != want {
			t.Errorf("ParseID(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "#", "abc", "-1", "+5", "12x", "99999999999999999999999"} {
		if _, err := ParseID(in); err == nil {
			t.Errorf("ParseID(%q) succeeded", in)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\nFrom: a@b\n\nbody"), "X-Test", "value")
	f.Add([]byte(" leading space\n"), "Subject", " padded\t")
	f.Add([]byte("X: =?bogus?Q?=ZZ?=\r\n\r\n"), "received", "from x (\xeb\xebhelo=")
	f.Fuzz(func(t *testing.T, b []byte, name, value string) {
		h, err := ParseHeader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("ParseHeader returned an error on in-memory input: %v", err)
		}
		// Every field needs a colon of its own in the input.
		if n := bytes.Count(b, []byte(":")); len(h.Fields()) > n {
			t.Fatalf("%d fields from %d colons", len(h.Fields()), n)
		}
		for _, fl := range h.Fields() {
			if fl.Name == "" || strings.ContainsAny(fl.Name, ":\r\n") {
				t.Fatalf("bad field name %q", fl.Name)
			}
			if got := h.Get(fl.Name); got != h.Values(fl.Name)[0] {
				t.Fatalf("Get(%q) = %q, first of Values is %q", fl.Name, got, h.Values(fl.Name)[0])
			}
		}
		_ = h.Text()

		// Round trip: a plain field written in front of b is read back as
		// written, trimmed, whatever follows it (unless b starts with a
		// continuation line, which folds into it).
		if !isToken(name) || strings.ContainsAny(value, "\r\n") || strings.Contains(value, "=?") ||
			len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
			return
		}
		h, err = ParseHeader(bytes.NewReader(append([]byte(name+": "+value+"\n"), b...)))
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Fields()) == 0 || !strings.EqualFold(h.Fields()[0].Name, name) || h.Fields()[0].Value != strings.Trim(value, " \t") {
			t.Fatalf("field %q: %q read back as %+v", name, value, h.Fields())
		}
	})
}

// isToken reports whether s is a non-empty header field name of letters,
// digits and hyphens.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func FuzzBodyText(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nhi\n--XX--\n"), []byte("hello\n"))
	f.Add([]byte("Content-Transfer-Encoding: base64\n\n!!!\n"), []byte("\x1b]52;c;aGk=\x07\xff"))
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, raw, data []byte) {
		// Any input: an error is allowed, a panic is not, and the text
		// stays in proportion to the input (a charset conversion may at
		// most triple a byte, one newline ends each part).
		text, _ := BodyText(bytes.NewReader(raw), limit)
		if len(text) > 4*len(raw)+1 {
			t.Fatalf("%d bytes of text from %d bytes of input", len(text), len(raw))
		}

		// Round trip: data encoded as base64 or quoted-printable, alone
		// and as both parts of a multipart message, decodes back to data.
		if len(data) > limit/4 {
			return
		}
		b64 := base64.StdEncoding.EncodeToString(data)
		var qp bytes.Buffer
		w := quotedprintable.NewWriter(&qp)
		w.Binary = true
		w.Write(data)
		w.Close()
		for _, m := range []struct {
			msg   string
			parts int
		}{
			{"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n", 1},
			{"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n" + qp.String(), 1},
			{"Content-Type: multipart/mixed; boundary=\"=_b\"\n\n--=_b\nContent-Transfer-Encoding: base64\n\n" + b64 +
				"\n--=_b\nContent-Type: image/png\n\nskipped\n--=_b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n--=_b--\n", 2},
		} {
			got, err := BodyText(strings.NewReader(m.msg), limit)
			if err != nil {
				t.Fatalf("%q: %v", m.msg, err)
			}
			for i := 0; i < m.parts; i++ {
				if !strings.HasPrefix(got, string(data)) {
					t.Fatalf("part %d of %q decoded as %q, want %q first", i+1, m.msg, got, data)
				}
				got = strings.TrimPrefix(strings.TrimPrefix(got, string(data)), "\n")
			}
			if got != "" {
				t.Fatalf("%q: %q left over after the parts", m.msg, got)
			}
		}
	})
}

func TestAddressArg(t *testing.T) {
	for in, want := range map[string]string{
		"<>": "", `""`: "", "": "", "<a@b>": "a@b", "a@b": "a@b", "<a@b": "<a@b", "a@b>": "a@b>", "<": "<", "<<>>": "<>",
	} {
		if got := AddressArg(in); got != want {
			t.Errorf("AddressArg(%q) = %q, want %q", in, got, want)
		}
	}
}
