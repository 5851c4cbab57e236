package report

import (
	"regexp"
	"slices"
	"testing"
)

func TestFilterArgs(t *testing.T) {
	first, last := SizeBuckets()[0], SizeBuckets()[len(SizeBuckets())-1]
	tests := []struct {
		key  Key
		name string
		hop  int
		want []string
		ok   bool
	}{
		{KeySender, "a@x", 1, []string{"--sender", "a@x"}, true},
		{KeySender, "", 1, []string{"--sender", ""}, true}, // the null sender
		{KeySenderDomain, "x.example", 1, []string{"--sender-domain", "x.example"}, true},
		{KeySenderDomain, "", 1, nil, false},
		{KeyRecipientDomain, "y.example", 1, []string{"--rcpt-domain", "y.example"}, true},
		{KeyRecipientDomain, ".example", 1, nil, false}, // a parent-domain row
		{KeyRecipient, "b@y", 1, []string{"--rcpt", "b@y"}, true},
		{KeyRecipient, "", 1, nil, false},
		{KeySubject, "Buy now (50% off)", 1, []string{"--subject", `(?-i)^Buy now \(50% off\)$`}, true},
		{KeySubject, "", 1, nil, false},
		{KeyIP, "192.0.2.1", 1, nil, false},
		{KeyHelo, "mx.example", 1, []string{"--helo", `(?i)^mx\.example$`}, true},
		{KeyHelo, "mx.example", 2, nil, false},    // --helo reads the nearest hop only
		{KeyHelo, "", 1, nil, false},              // no hop
		{KeyHelo, "mx example", 1, nil, false},    // not printable ASCII: left to the IDs
		{KeyHelo, "m\xe9.example", 1, nil, false}, // likewise
	}
	for _, tt := range tests {
		got, ok := tt.key.FilterArgs(tt.name, tt.hop)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("%s.FilterArgs(%q, %d) = %q, %v; want %q, %v", tt.key, tt.name, tt.hop, got, ok, tt.want, tt.ok)
		}
	}
	// A subject's regular expression matches that subject only.
	args, _ := KeySubject.FilterArgs("a.b", 1)
	re := regexp.MustCompile("(?i)" + args[1])
	if !re.MatchString("a.b") || re.MatchString("A.B") || re.MatchString("axb") {
		t.Errorf("--subject %q matches more than the subject a.b", args[1])
	}
	// A HELO name's expression matches that name in any case only (the
	// group is the name lower-cased).
	args, _ = KeyHelo.FilterArgs("win-1.example", 1)
	re = regexp.MustCompile(args[1])
	if !re.MatchString("WIN-1.example") || re.MatchString("win-1xexample") || re.MatchString("xwin-1.example") {
		t.Errorf("--helo %q matches more than the HELO name win-1.example", args[1])
	}
	// Size buckets: the first has no lower bound, the last no upper one.
	if got, ok := KeySize.FilterArgs(first.Name, 1); !ok || slices.Contains(got, "--larger") {
		t.Errorf("first size bucket %q: %q, %v", first.Name, got, ok)
	}
	if got, ok := KeySize.FilterArgs(last.Name, 1); !ok || slices.Contains(got, "--smaller") || !slices.Contains(got, "--larger") {
		t.Errorf("last size bucket %q: %q, %v", last.Name, got, ok)
	}
}

// TestHeloFilterArgsExact: the --helo expression of a HELO group matches
// a HELO name exactly when the grouping puts that name in the group
// (Key.Normalize, as Namer.Names). (?i) follows Unicode case folding, so
// the grouping folds case the same way: ſ (U+017F), which (?i)s matches,
// is in the group of s; İ (U+0130) and ı (U+0131), which (?i)i does not
// match, are not in the group of i, though lower-casing makes İ an i. A
// qq rm line must neither take messages of another group nor leave some
// of its own: HELO names are whatever the remote client sends.
func TestHeloFilterArgsExact(t *testing.T) {
	for _, tc := range []struct {
		name  string
		helos []string
	}{
		{"smtp.isp.example", []string{"smtp.isp.example", "SMTP.ISP.Example", "\u017ftmp.isp.example", "\u017fmtp.isp.example",
			"smtp.\u0130sp.example", "smtp.\u0131sp.example", "smtp.isp.exampl", "smtp.isp.examplee", "smtpxisp.example", "smtp.isp.example\n"}},
		{"kk-1.example", []string{"kk-1.example", "KK-1.EXAMPLE", "\u212ak-1.example", "k\u212a-1.example", "kk-1.example.", "kk-2.example"}},
		{"win-4j5k2m8q", []string{"win-4j5k2m8q", "WIN-4J5K2M8Q", "W\u0130N-4J5K2M8Q", "w\u0131n-4j5k2m8q", "win-4j5k2m8q\xff"}},
	} {
		args, ok := KeyHelo.FilterArgs(tc.name, 1)
		if !ok || len(args) != 2 || args[0] != "--helo" {
			t.Fatalf("FilterArgs(%q) = %q, %v", tc.name, args, ok)
		}
		re := regexp.MustCompile(args[1])
		for _, helo := range tc.helos {
			inGroup := KeyHelo.Normalize(helo) == tc.name
			if re.MatchString(helo) != inGroup {
				t.Errorf("--helo %q matches HELO %q: %v; in the group %q: %v", args[1], helo, re.MatchString(helo), tc.name, inGroup)
			}
		}
	}
	// ſ and the Kelvin sign join the ASCII groups; the message is counted
	// in the group its rm line takes it from.
	for in, want := range map[string]string{"\u017fMTP.example": "smtp.example", "\u212a.example": "k.example", "W\u0130N": "w\u0130n", "\u03a3\u03c3\u03c2": "\u03c3\u03c3\u03c3"} {
		if got := KeyHelo.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
