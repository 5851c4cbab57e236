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
		want []string
		ok   bool
	}{
		{KeySender, "a@x", []string{"--sender", "a@x"}, true},
		{KeySender, "", []string{"--sender", ""}, true}, // the null sender
		{KeySenderDomain, "x.example", []string{"--sender-domain", "x.example"}, true},
		{KeySenderDomain, "", nil, false},
		{KeyRecipientDomain, "y.example", []string{"--rcpt-domain", "y.example"}, true},
		{KeyRecipientDomain, ".example", nil, false}, // a parent-domain row
		{KeyRecipient, "b@y", []string{"--rcpt", "b@y"}, true},
		{KeyRecipient, "", nil, false},
		{KeySubject, "Buy now (50% off)", []string{"--subject", `(?-i)^Buy now \(50% off\)$`}, true},
		{KeySubject, "", nil, false},
		{KeyIP, "192.0.2.1", nil, false},
		{KeyHelo, "mx.example", nil, false},
	}
	for _, tt := range tests {
		got, ok := tt.key.FilterArgs(tt.name)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("%s.FilterArgs(%q) = %q, %v; want %q, %v", tt.key, tt.name, got, ok, tt.want, tt.ok)
		}
	}
	// A subject's regular expression matches that subject only.
	args, _ := KeySubject.FilterArgs("a.b")
	re := regexp.MustCompile("(?i)" + args[1])
	if !re.MatchString("a.b") || re.MatchString("A.B") || re.MatchString("axb") {
		t.Errorf("--subject %q matches more than the subject a.b", args[1])
	}
	// Size buckets: the first has no lower bound, the last no upper one.
	if got, ok := KeySize.FilterArgs(first.Name); !ok || slices.Contains(got, "--larger") {
		t.Errorf("first size bucket %q: %q, %v", first.Name, got, ok)
	}
	if got, ok := KeySize.FilterArgs(last.Name); !ok || slices.Contains(got, "--smaller") || !slices.Contains(got, "--larger") {
		t.Errorf("last size bucket %q: %q, %v", last.Name, got, ok)
	}
}
