package cmdutil

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestHiddenAlias(t *testing.T) {
	fs := pflag.NewFlagSet("log", pflag.ContinueOnError)
	var rcpts []string
	fs.StringSliceVar(&rcpts, "rcpt", nil, "")
	HiddenAlias(fs, "recipient", "rcpt")
	if err := fs.Parse([]string{"--rcpt", "a@x", "--recipient", "b@x,c@x"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a@x", "b@x", "c@x"}; !slices.Equal(rcpts, want) {
		t.Errorf("--rcpt a@x --recipient b@x,c@x gave %q, want %q", rcpts, want)
	}
	if !fs.Changed("rcpt") || !fs.Lookup("recipient").Hidden {
		t.Errorf("the alias must mark --rcpt as given and be hidden")
	}
}

// TestDurationFlag: the flag takes ParseAge's units, shows its default as
// pflag's duration flags do, and refuses what ParseAge refuses.
func TestDurationFlag(t *testing.T) {
	fs := pflag.NewFlagSet("rm", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	var d time.Duration
	DurationFlag(fs, &d, "timeout", 2*time.Minute, "how long")
	if d != 2*time.Minute {
		t.Errorf("default %s, want 2m0s", d)
	}
	f := fs.Lookup("timeout")
	if f.DefValue != "2m0s" || f.Value.Type() != "duration" {
		t.Errorf("default shown %q, type %q", f.DefValue, f.Value.Type())
	}
	if err := fs.Parse([]string{"--timeout", "1d12h"}); err != nil || d != 36*time.Hour {
		t.Errorf("--timeout 1d12h: %s, %v", d, err)
	}
	if err := fs.Parse([]string{"--timeout", "-5m"}); err == nil {
		t.Errorf("--timeout -5m accepted: %s", d)
	}
}
