package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestAsk: y and yes (any case) say yes; anything else, or no answer, is
// no; a read ended by an interruption is the error.
func TestAsk(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		yes     bool
	}{
		{"y\n", "Go? [y/N] ", true},
		{" YES \n", "Go? [y/N] ", true},
		{"y", "Go? [y/N] ", true},
		{"n\n", "Go? [y/N] ", false},
		{"\n", "Go? [y/N] ", false},
		{"", "Go? [y/N] \n", false},
	} {
		var out bytes.Buffer
		yes, err := Ask(strings.NewReader(tc.in), &out, "Go?")
		if err != nil || yes != tc.yes || out.String() != tc.out {
			t.Errorf("%q: %v, %v, wrote %q", tc.in, yes, err, out.String())
		}
	}
	var out bytes.Buffer
	if _, err := Ask(cancelled{}, &out, "Go?"); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v", err)
	}
}

// cancelled is a reader interrupted at once.
type cancelled struct{}

func (cancelled) Read([]byte) (int, error) { return 0, context.Canceled }

// TestTerminalInput: stdin when it is a terminal; nobody when neither it
// nor stderr is one.
func TestTerminalInput(t *testing.T) {
	stdin := strings.NewReader("")
	if in, closeIn := TerminalInput(stdin, true, false); in != stdin {
		t.Errorf("stdin a terminal: got %v", in)
	} else {
		closeIn()
	}
	if in, _ := TerminalInput(stdin, false, false); in != nil {
		t.Errorf("no terminal: got %v", in)
	}
}
