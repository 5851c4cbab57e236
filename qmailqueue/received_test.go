package qmailqueue

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var receivedTests = []struct {
	name string
	in   string
	want Hop
	ok   bool
}{
	{"qmail-queue's own line", "(qmail 12345 invoked from network); 22 Nov 2026 09:00:12 -0000", Hop{}, false},
	{"qmail-queue by uid", "(qmail 18709 invoked by uid 65534); 22 Nov 2026 09:00:12 -0000", Hop{}, false},
	{"qmail-smtpd with HELO", "from unknown (HELO WIN-4J5K2M8Q) (203.0.113.66)\n  by mail.example.com with SMTP; 20 Nov 2026 12:00:00 -0000",
		Hop{From: "unknown", Helo: "WIN-4J5K2M8Q", IP: "203.0.113.66"}, true},
	{"qmail-smtpd HELO equals host", "from mx.example.net (198.51.100.7)\n  by mail.example.com with SMTP; 20 Nov 2026 12:00:00 -0000",
		Hop{From: "mx.example.net", Helo: "mx.example.net", IP: "198.51.100.7"}, true},
	{"qmail-smtpd with remoteinfo", "from host.example (HELO h) (root@192.0.2.9) by mail.example.com with SMTP; date",
		Hop{From: "host.example", Helo: "h", IP: "192.0.2.9"}, true},
	{"qmail-smtpd HELO literal", "from unknown (HELO [192.0.2.33]) (192.0.2.33) by x with SMTP; d",
		Hop{From: "unknown", Helo: "[192.0.2.33]", IP: "192.0.2.33"}, true},
	{"qmail EHLO patch", "from unknown (EHLO mail.example.org) (198.51.100.1) by x with ESMTPS; d",
		Hop{From: "unknown", Helo: "mail.example.org", IP: "198.51.100.1"}, true},
	{"postfix", "from mail.example.net (mail.example.net [192.0.2.1])\n\tby mx.example.com (Postfix) with ESMTPS id 4XyZ; Sat, 21 Nov 2026 10:00:00 +0000",
		Hop{From: "mail.example.net", Helo: "mail.example.net", IP: "192.0.2.1"}, true},
	{"postfix unknown client", "from helo.example (unknown [198.51.100.22]) by mx (Postfix) with SMTP id 1; d",
		Hop{From: "helo.example", Helo: "helo.example", IP: "198.51.100.22"}, true},
	{"postfix IPv6", "from laptop (host.example.net [IPv6:2001:DB8::1]) by mx (Postfix); d",
		Hop{From: "laptop", Helo: "laptop", IP: "2001:db8::1"}, true},
	{"sendmail forged", "from helo.example (rdns.example [192.0.2.5] (may be forged)) by mx (8.15.2/8.15.2) with ESMTP id x; d",
		Hop{From: "helo.example", Helo: "helo.example", IP: "192.0.2.5"}, true},
	{"sendmail ident", "from helo (user@rdns.example [192.0.2.6]) by mx; d",
		Hop{From: "helo", Helo: "helo", IP: "192.0.2.6"}, true},
	{"exim", "from rdns.example ([192.0.2.7] helo=mail.example.org)\n\tby mx.example.com with esmtp (Exim 4.96) id 1; d",
		Hop{From: "rdns.example", Helo: "mail.example.org", IP: "192.0.2.7"}, true},
	{"exim literal", "from [192.0.2.8] (helo=client)\n\tby mx with smtp (Exim 4.96); d",
		Hop{From: "[192.0.2.8]", Helo: "client", IP: "192.0.2.8"}, true},
	{"exchange", "from EXCH01.corp.example (10.0.0.1) by EXCH02.corp.example (10.0.0.2) with Microsoft SMTP Server; d",
		Hop{From: "EXCH01.corp.example", Helo: "EXCH01.corp.example", IP: "10.0.0.1"}, true},
	{"IPv4-mapped", "from x (x [IPv6:::ffff:192.0.2.44]) by y; d", Hop{From: "x", Helo: "x", IP: "192.0.2.44"}, true},
	{"no ip", "from localhost by mail.example.com with local; d", Hop{From: "localhost", Helo: "localhost"}, true},
	{"sendmail local", "(from user@localhost) by mail.example.com (8.15.2/Submit) id x; d", Hop{}, false},
	{"by only", "by mail.example.com with local; d", Hop{}, false},
	{"unterminated comment", "from a (HELO b", Hop{From: "a", Helo: "b"}, true},
	{"nested comment", "from a (b (c) [192.0.2.10]) by d", Hop{From: "a", Helo: "a", IP: "192.0.2.10"}, true},
	{"invalid UTF-8 before exim helo", "from (\xeb\xeb\xebhelo=", Hop{}, false},
	{"invalid UTF-8 then exim helo", "from x (\xeb\xeb\xeb helo=name [192.0.2.12])", Hop{From: "x", Helo: "name", IP: "192.0.2.12"}, true},
	{"upper-case exim helo", "from x (HELO=Name)", Hop{From: "x", Helo: "Name"}, true},
	{"helo= inside a word is not a helo", "from x (xhelo=a helo=b)", Hop{From: "x", Helo: "b"}, true},
	{"Kelvin sign does not fold to k", "from x (\u212a helo=k)", Hop{From: "x", Helo: "k"}, true},
	{"dotted capital I does not fold", "from x (\u0130helo=i)", Hop{From: "x", Helo: "x"}, true},
	{"empty", "", Hop{}, false},
	{"from alone", "from", Hop{}, false},
}

func TestParseReceived(t *testing.T) {
	for _, tt := range receivedTests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseReceived(tt.in)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHops(t *testing.T) {
	h, err := ParseHeader(strings.NewReader("Received: (qmail 1 invoked from network); d\n" +
		"Received: from unknown (HELO a) (192.0.2.1)\n  by me with SMTP; d\n" +
		"Received: (qmail 2 invoked by uid 1000); d\n" +
		"Received: from b (b [192.0.2.2]) by relay; d\n" +
		"Subject: x\n\nbody\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Hop{{From: "unknown", Helo: "a", IP: "192.0.2.1"}, {From: "b", Helo: "b", IP: "192.0.2.2"}}
	if diff := cmp.Diff(want, Hops(h)); diff != "" {
		t.Errorf("Hops (-want +got):\n%s", diff)
	}
	for n, w := range map[int]string{1: "192.0.2.1", 2: "192.0.2.2", 3: "", 0: ""} {
		hop, ok := NthHop(h, n)
		if hop.IP != w || ok != (w != "") {
			t.Errorf("NthHop(%d) = %+v, %v; want IP %q", n, hop, ok, w)
		}
	}
	if _, ok := NthHop(nil, 1); ok {
		t.Error("NthHop(nil) found a hop")
	}
}

func FuzzParseReceived(f *testing.F) {
	for _, tt := range receivedTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		hop, ok := ParseReceived(in)
		if !ok && hop != (Hop{}) {
			t.Fatalf("not ok but hop %+v", hop)
		}
		if ok && hop.From == "" && hop.IP == "" {
			t.Fatalf("ok but neither From nor IP: %+v", hop)
		}
		// The names are cut out of the input, never rebuilt from it.
		if !strings.Contains(in, hop.From) || !strings.Contains(in, hop.Helo) {
			t.Fatalf("From %q or HELO %q is not a substring of the input", hop.From, hop.Helo)
		}
		if hop.IP != "" {
			a, err := netip.ParseAddr(hop.IP)
			if err != nil || a.String() != hop.IP || a.Is4In6() {
				t.Fatalf("IP %q is not a canonical address", hop.IP)
			}
		}
		if ok && hop.Helo == "" && hop.From != "" {
			t.Fatalf("HELO empty with From %q", hop.From)
		}
		// The parse does not depend on where the field sits in a header.
		if again, ok2 := ParseReceived(" \t" + in); again != hop || ok2 != ok {
			t.Fatalf("leading white space changed the parse: %+v, %v then %+v, %v", hop, ok, again, ok2)
		}
	})
}
