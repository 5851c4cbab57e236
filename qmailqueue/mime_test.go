package qmailqueue_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/qqmail/qq/qmailqueue"
)

// malwareMail is a typical flood message: text and HTML alternatives and a
// zip attachment whose name is RFC 2047 encoded, plus an RFC 2231 named
// PDF and an inline image without a name.
const malwareMail = "Received: (qmail 1 invoked from network); 1 Dec 2026 10:00:00 -0000\r\n" +
	"From: Billing <billing@example.net>\r\n" +
	"Subject: Invoice\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Sehr geehrte Kundin, anbei die Rechnung f=FCr Dezember.\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>Invoice</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/zip; name=\"=?utf-8?B?UmVjaG51bmfDvC56aXA=?=\"\r\n" +
	"Content-Disposition: attachment; filename=\"=?utf-8?B?UmVjaG51bmfDvC56aXA=?=\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"UEsDBBQAAAAIAA==\r\n" +
	"--outer\r\n" +
	"Content-Type: application/pdf\r\n" +
	"Content-Disposition: attachment; filename*=UTF-8''Rechnung%20Nr.%201.PDF\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"JVBERi0xLjQK\r\n" +
	"--outer\r\n" +
	"Content-Type: image/png\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"iVBORw0KGgo=\r\n" +
	"--outer--\r\n" +
	"epilogue\r\n"

func TestPartsStructure(t *testing.T) {
	s, err := qmailqueue.Parts(strings.NewReader(malwareMail), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []qmailqueue.Part{
		{Number: "", Depth: 0, Type: "multipart/mixed", Multipart: true},
		{Number: "1", Depth: 1, Type: "multipart/alternative", Multipart: true},
		{Number: "1.1", Depth: 2, Type: "text/plain", Charset: "iso-8859-1", Encoding: "quoted-printable", Size: int64(len("Sehr geehrte Kundin, anbei die Rechnung für Dezember."))},
		{Number: "1.2", Depth: 2, Type: "text/html", Charset: "utf-8", Size: int64(len("<p>Invoice</p>"))},
		{Number: "2", Depth: 1, Type: "application/zip", Filename: "Rechnungü.zip", Disposition: "attachment", Encoding: "base64", Size: 10},
		{Number: "3", Depth: 1, Type: "application/pdf", Filename: "Rechnung Nr. 1.PDF", Disposition: "attachment", Encoding: "base64", Size: 9},
		{Number: "4", Depth: 1, Type: "image/png", Encoding: "base64", Size: 8},
	}
	if diff := cmp.Diff(want, s.Parts, cmpopts.IgnoreFields(qmailqueue.Part{}, "Size"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	for i, p := range s.Parts[2:] {
		if w := want[i+2].Size; p.Size != w {
			t.Errorf("part %s: size %d, want %d (decoded)", p.Number, p.Size, w)
		}
	}
	if s.Truncated {
		t.Errorf("truncated: %s", s.Note)
	}
	var kinds []string
	for _, p := range s.Attachments() {
		kinds = append(kinds, p.Number+" "+p.Extension())
	}
	if got := strings.Join(kinds, ","); got != "2 .zip,3 .pdf,4 " {
		t.Errorf("attachments: %q", got)
	}
	for re, want := range map[string]bool{`(?i)\.zip$`: true, `^image/`: true, `(?i)\.exe$`: false, `text/plain`: false, `(?i)nr\. 1`: true} {
		if got := s.HasAttachment(regexp.MustCompile(re)); got != want {
			t.Errorf("HasAttachment(%s) = %v, want %v", re, got, want)
		}
	}
}

func TestExtractPart(t *testing.T) {
	for _, tc := range []struct {
		number, want, err string
	}{
		{"1.1", "Sehr geehrte Kundin, anbei die Rechnung für Dezember.", ""},
		{"2", "PK\x03\x04\x14\x00\x00\x00\x08\x00", ""},
		{"4", "\x89PNG\r\n\x1a\n", ""},
		{"1", "", "part 1 is a multipart/alternative container: name one of its parts"},
		{"9", "", "no part 9"},
	} {
		var buf bytes.Buffer
		p, err := qmailqueue.ExtractPart(strings.NewReader(malwareMail), tc.number, &buf)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("part %s: error %v, want %q", tc.number, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("part %s: %v", tc.number, err)
			continue
		}
		if buf.String() != tc.want || p.Size != int64(len(tc.want)) {
			t.Errorf("part %s: %q (size %d), want %q", tc.number, buf.String(), p.Size, tc.want)
		}
	}
}

func TestPartsSingleAndMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, msg  string
		types      string
		truncated  bool
		firstBytes int64
	}{
		{"no content type", "Subject: x\n\nhello\n", "1 text/plain", false, 6},
		{"bad content type", "Content-Type: text/\x01bad; ; =\n\nhello\n", "1 text/plain", false, 6},
		{"multipart without boundary", "Content-Type: multipart/mixed\n\nhello\n", "1 multipart/mixed", false, 6},
		{"unterminated multipart", "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n", " multipart/mixed,1 text/plain", true, 0},
		{"sloppy parameters", "Content-Type: application/x-msdownload; name=a.exe;;\n\nMZ\n", "1 application/x-msdownload", false, 3},
		{"unknown charset", "Content-Type: text/plain; charset=x-klingon\n\nqapla'\n", "1 text/plain", false, 7},
		{"bad base64", "Content-Type: application/zip\nContent-Transfer-Encoding: base64\n\n!!!!not base64\n", "1 application/zip", false, -1},
	} {
		s, err := qmailqueue.Parts(strings.NewReader(tc.msg), 0)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, p := range s.Parts {
			got = append(got, p.Number+" "+p.Type)
		}
		if strings.Join(got, ",") != tc.types || s.Truncated != tc.truncated {
			t.Errorf("%s: parts %q truncated %v (%s), want %q truncated %v", tc.name, got, s.Truncated, s.Note, tc.types, tc.truncated)
		}
		if tc.firstBytes > 0 && s.Parts[0].Size != tc.firstBytes {
			t.Errorf("%s: size %d, want %d", tc.name, s.Parts[0].Size, tc.firstBytes)
		}
	}
}

// TestPartsLimits: crafted structures stop at the limits, listed as far as
// they go and marked truncated, in bounded time and memory.
func TestPartsLimits(t *testing.T) {
	t.Run("deep", func(t *testing.T) {
		var b strings.Builder
		const depth = 20000
		for i := range depth {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\nbottom\n")
		s, err := qmailqueue.Parts(strings.NewReader(b.String()), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Truncated || !strings.Contains(s.Note, "deeper than") {
			t.Errorf("truncated %v, note %q", s.Truncated, s.Note)
		}
		for _, p := range s.Parts {
			if p.Depth > qmailqueue.MaxMIMEDepth {
				t.Fatalf("part %s at depth %d", p.Number, p.Depth)
			}
		}
	})
	t.Run("many", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
		for range 3 * qmailqueue.MaxMIMEParts {
			b.WriteString("--b\nContent-Type: application/octet-stream\n\nx\n")
		}
		b.WriteString("--b--\n")
		s, err := qmailqueue.Parts(strings.NewReader(b.String()), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Parts) != qmailqueue.MaxMIMEParts || !s.Truncated {
			t.Errorf("%d parts, truncated %v", len(s.Parts), s.Truncated)
		}
	})
	t.Run("part header fields", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n--b\n")
		for i := range 200000 {
			fmt.Fprintf(&b, "X-F%d: v\n", i)
		}
		b.WriteString("\nbody\n--b--\n")
		s, err := qmailqueue.Parts(strings.NewReader(b.String()), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Truncated || len(s.Parts) != 1 {
			t.Errorf("%d parts, truncated %v (%s): a part header over the cap must end the walk", len(s.Parts), s.Truncated, s.Note)
		}
	})
	t.Run("top header over HeaderLimit", func(t *testing.T) {
		msg := "Subject: " + strings.Repeat("x", qmailqueue.HeaderLimit) + "\n\nbody\n"
		if _, err := qmailqueue.Parts(strings.NewReader(msg), 0); err == nil || !strings.Contains(err.Error(), "header") {
			t.Errorf("error %v, want one about the header", err)
		}
	})
	t.Run("byte limit", func(t *testing.T) {
		msg := "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/zip\n\n" + strings.Repeat("z", 4096) + "\n--b\nContent-Type: text/plain\n\nafter\n--b--\n"
		s, err := qmailqueue.Parts(strings.NewReader(msg), 1024)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Parts) != 2 || s.Parts[1].Size >= 1024 {
			t.Errorf("parts %+v: the walk must stop at the byte limit", s.Parts)
		}
	})
}

func TestBodyTextDecodes(t *testing.T) {
	text, err := qmailqueue.BodyText(strings.NewReader(malwareMail), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := "Sehr geehrte Kundin, anbei die Rechnung für Dezember.\n<p>Invoice</p>\n"
	if text != want {
		t.Errorf("BodyText = %q, want %q", text, want)
	}
}

// FuzzParts: any input lists within the limits, with distinct part numbers
// and non-negative sizes, and every listed leaf part can be extracted with
// the size the listing gave.
func FuzzParts(f *testing.F) {
	f.Add([]byte(malwareMail))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\nContent-Type: multipart/mixed; boundary=b\n\n--b--\n"))
	f.Add([]byte("Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n//5oAGkA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := qmailqueue.Parts(bytes.NewReader(data), 1<<16)
		if err != nil {
			return
		}
		if len(s.Parts) == 0 || len(s.Parts) > qmailqueue.MaxMIMEParts {
			t.Fatalf("%d parts", len(s.Parts))
		}
		seen := map[string]bool{}
		for _, p := range s.Parts {
			if seen[p.Number] || p.Size < 0 || p.Depth > qmailqueue.MaxMIMEDepth || p.Type == "" {
				t.Fatalf("bad part %+v (seen before: %v)", p, seen[p.Number])
			}
			seen[p.Number] = true
			if p.Multipart || s.Truncated {
				continue
			}
			var buf bytes.Buffer
			got, err := qmailqueue.ExtractPart(bytes.NewReader(data), p.Number, &buf)
			if err != nil {
				t.Fatalf("extract %s: %v", p.Number, err)
			}
			if got.Size != p.Size || int64(buf.Len()) != p.Size {
				t.Fatalf("part %s: listed %d bytes, extracted %d (%d written)", p.Number, p.Size, got.Size, buf.Len())
			}
		}
	})
}
