package shell

import "testing"

func TestQuoteAndJoin(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "''",
		"--sender":          "--sender",
		"a@b.example":       "a@b.example",
		"(?-i)^Free money$": `'(?-i)^Free money$'`,
		"it's":              `'it'\''s'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	if got, want := Join([]string{"--subject", "a b", "--older", "1h"}), "--subject 'a b' --older 1h"; got != want {
		t.Errorf("Join = %s, want %s", got, want)
	}
}
