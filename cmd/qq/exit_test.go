package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
)

// The exit codes are documented three times: the constants, the root
// command's EXIT STATUS and README's table. They agree.
func TestExitCodeTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "## Exit codes\n")
	if !ok {
		t.Fatal("README has no Exit codes section")
	}
	table, _, _ = strings.Cut(table, "\n\n\n")
	rows := regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(table, -1)
	help := regexp.MustCompile(`(?m)^  (\d+) +\S`).FindAllStringSubmatch(helpText("_exit-status"), -1)
	codes := []int{exitOK, exitNoMatch, exitUsage, exitError, exitInternal, exitTempFail, exitInterrupted}
	if len(rows) != len(codes) || len(help) != len(codes) {
		t.Fatalf("%d codes, %d README rows, %d help lines", len(codes), len(rows), len(help))
	}
	for i, c := range codes {
		if rows[i][1] != fmt.Sprint(c) || help[i][1] != fmt.Sprint(c) {
			t.Errorf("code %d: README says %s, help says %s", c, rows[i][1], help[i][1])
		}
	}
	if exitInternal == exitUsage {
		t.Error("an internal error must not look like a usage error")
	}
}

func TestGuardReportsPanic(t *testing.T) {
	var stderr bytes.Buffer
	deferred := false
	code := guard(&stderr, func() int {
		defer func() { deferred = true }()
		panic("boom")
	})
	if code != exitInternal {
		t.Errorf("exit %d, want %d", code, exitInternal)
	}
	if !deferred {
		t.Error("the command's deferred functions did not run")
	}
	out := stderr.String()
	if want := "qq: internal error: boom, please report\n"; !strings.HasPrefix(out, want) {
		t.Errorf("stderr starts %q, want %q", out, want)
	}
	if !strings.Contains(out, "goroutine ") || !strings.Contains(out, "TestGuardReportsPanic") {
		t.Errorf("no stack in %q", out)
	}
	if c := guard(&stderr, func() int { return 3 }); c != 3 {
		t.Errorf("guard changed exit code 3 into %d", c)
	}
}

// A panic recovered in a scan worker reaches run as an error, and is
// reported as the last-resort recover reports one.
func TestPanicErrorExitCode(t *testing.T) {
	err := fmt.Errorf("scan: %w", &qmailqueue.PanicError{Value: "index out of range", Stack: []byte("goroutine 7 [running]:\n")})
	if c := exitCode(err); c != exitInternal {
		t.Errorf("exitCode = %d, want %d", c, exitInternal)
	}
	var p *qmailqueue.PanicError
	errors.As(err, &p)
	var stderr bytes.Buffer
	if c := reportInternal(&stderr, p); c != exitInternal {
		t.Errorf("reportInternal = %d", c)
	}
	if got, want := stderr.String(), "qq: internal error: index out of range, please report\ngoroutine 7 [running]:\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}
