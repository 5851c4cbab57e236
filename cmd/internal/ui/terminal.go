package ui

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/jedib0t/go-pretty/v6/text"
	"golang.org/x/term"
)

// IsTerminal reports whether w is an *os.File attached to a terminal.
func IsTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// TerminalWidth is the width tables must fit: $COLUMNS when it is a
// positive number (tests, and shells that export it), else the width of
// the terminal stdout is, else 0 (no limit: a table asked for in a pipe).
func TerminalWidth(stdout io.Writer, getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := stdout.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// ColorMode checks the value of --color: auto, always or never.
func ColorMode(mode string) error {
	switch mode {
	case "auto", "always", "never":
		return nil
	}
	return fmt.Errorf("--color must be auto, always or never, not %q", mode)
}

// EnableColors turns go-pretty's colours (the progress bar's) on or off
// for the whole process, as UseColor decided.
func EnableColors(on bool) {
	if on {
		text.EnableColors()
	} else {
		text.DisableColors()
	}
}

// ClockFromEnv returns the clock a command reasons with: time.Now, or the
// time $QQ_NOW pins (RFC 3339), for reproducible test output.
func ClockFromEnv(getenv func(string) string) func() time.Time {
	if v := getenv("QQ_NOW"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return func() time.Time { return t }
		}
	}
	return time.Now
}
