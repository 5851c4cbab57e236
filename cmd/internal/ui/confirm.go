package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Ask writes question and " [y/N] " to out and reads the answer from in:
// yes only for y or yes (any case). No answer at all (the input ended or
// failed) is no, with a newline written to end the prompt's line. A read
// ended by context.Canceled (in reads until an interruption) is returned
// as the error.
func Ask(in io.Reader, out io.Writer, question string) (yes bool, err error) {
	fmt.Fprintf(out, "%s [y/N] ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if errors.Is(err, context.Canceled) {
		return false, err
	}
	if err != nil && line == "" {
		fmt.Fprintln(out)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// TerminalInput returns where to read an answer from, or nil when nobody
// is there to answer: stdin when it is a terminal (stdinTerminal), else
// /dev/tty when stderr is one (a pipe on stdin, as with --ids-from -).
// The function returned closes what was opened.
func TerminalInput(stdin io.Reader, stdinTerminal, stderrTerminal bool) (io.Reader, func()) {
	if stdinTerminal {
		return stdin, func() {}
	}
	if !stderrTerminal {
		return nil, nil
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, nil
	}
	return tty, func() { tty.Close() }
}
