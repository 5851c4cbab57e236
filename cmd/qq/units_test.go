package main

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

func TestHiddenAlias(t *testing.T) {
	fs := pflag.NewFlagSet("log", pflag.ContinueOnError)
	var rcpts []string
	fs.StringSliceVar(&rcpts, "rcpt", nil, "")
	hiddenAlias(fs, "recipient", "rcpt")
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
