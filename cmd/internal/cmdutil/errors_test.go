package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

func TestExitStatus(t *testing.T) {
	panicked := &qmailqueue.PanicError{Value: "boom", Stack: []byte("goroutine 1\n")}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"none", nil, ExitOK},
		{"usage", UsageErrorf("bad --older %q", "x"), ExitUsage},
		{"usage wrapped", fmt.Errorf("list: %w", UsageErrorf("bad")), ExitUsage},
		{"coded", WithCode(ExitTempFail, errors.New("lock held")), ExitTempFail},
		{"coded over usage", WithCode(ExitNoMatch, UsageErrorf("bad")), ExitNoMatch},
		{"silent", &SilentError{Code: 4}, 4},
		{"nothing matched", ErrNothingMatched, ExitNoMatch},
		{"silent wrapped", fmt.Errorf("x: %w", ErrNothingMatched), ExitNoMatch},
		{"panic", fmt.Errorf("scan: %w", panicked), ExitInternal},
		{"panic over coded", WithCode(ExitTempFail, panicked), ExitInternal},
		{"interrupted", fmt.Errorf("scan: %w", context.Canceled), ExitInterrupted},
		{"missing", fmt.Errorf("open: %w", fs.ErrNotExist), ExitError},
		{"permission", fs.ErrPermission, ExitError},
		{"other", errors.New("malformed"), ExitError},
	} {
		if got := ExitStatus(tc.err); got != tc.want {
			t.Errorf("%s: ExitStatus(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
	if WithCode(ExitTempFail, nil) != nil {
		t.Error("WithCode of nil is not nil")
	}
}

func TestAsUsage(t *testing.T) {
	root := &cobra.Command{Use: "qq"}
	sub := &cobra.Command{Use: "list"}
	root.AddCommand(sub)
	err := AsUsage(sub, errors.New("give an ID"))
	var ue *UsageError
	if !errors.As(err, &ue) || ue.CmdPath != "qq list" || err.Error() != "give an ID" {
		t.Errorf("AsUsage = %#v", err)
	}
	// An existing usage error gets the command's path, and stays itself.
	orig := UsageErrorf("bad")
	if got := AsUsage(sub, orig); got != orig || orig.(*UsageError).CmdPath != "qq list" {
		t.Errorf("AsUsage(usage error) = %#v", got)
	}
	if AsUsage(sub, nil) != nil {
		t.Error("AsUsage of nil is not nil")
	}
}

func TestPrintError(t *testing.T) {
	root := &cobra.Command{Use: "qq"}
	sub := &cobra.Command{Use: "list"}
	root.AddCommand(sub)
	upper := strings.ToUpper // stands for the terminal escaper
	for _, tc := range []struct {
		name       string
		cmd        *cobra.Command
		err        error
		wantCode   int
		wantStderr string
	}{
		{"error", sub, errors.New("queue: missing"), ExitError, "qq: QUEUE: MISSING\n"},
		{"usage, path from the command", sub, UsageErrorf("bad"), ExitUsage, "qq: BAD\nqq: hint: see 'qq list --help'\n"},
		{"usage, own path", root, &UsageError{CmdPath: "qq svc", Err: errors.New("x")}, ExitUsage, "qq: X\nqq: hint: see 'qq svc --help'\n"},
		{"usage, no command", nil, UsageErrorf("bad"), ExitUsage, "qq: BAD\nqq: hint: see 'qq --help'\n"},
		{"cobra's unknown command", root, errors.New(`unknown command "lst" for "qq"`), ExitUsage, "qq: UNKNOWN COMMAND \"LST\" FOR \"QQ\"\nqq: hint: see 'qq --help'\n"},
		{"silent", sub, ErrNothingMatched, ExitNoMatch, ""},
		{"interrupted", sub, context.Canceled, ExitInterrupted, ""},
		{"interrupted and more", sub, errors.Join(context.Canceled, errors.New("services not restored")), ExitInterrupted, "qq: CONTEXT CANCELED\nSERVICES NOT RESTORED\n"},
		{"coded", sub, WithCode(ExitTempFail, errors.New("lock held")), ExitTempFail, "qq: LOCK HELD\n"},
	} {
		var stderr bytes.Buffer
		if code := PrintError(&stderr, tc.cmd, tc.err, upper); code != tc.wantCode || stderr.String() != tc.wantStderr {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tc.name, code, stderr.String(), tc.wantCode, tc.wantStderr)
		}
	}
}

func TestGuardReportsPanic(t *testing.T) {
	var stderr bytes.Buffer
	deferred := false
	code := Guard(&stderr, func() int {
		defer func() { deferred = true }()
		panic("boom")
	})
	if code != ExitInternal {
		t.Errorf("exit %d, want %d", code, ExitInternal)
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
	if c := Guard(&stderr, func() int { return 3 }); c != 3 {
		t.Errorf("guard changed exit code 3 into %d", c)
	}
}

// A panic recovered in a scan worker reaches run as an error, and is
// reported as the last-resort recover reports one.
func TestPanicErrorExitCode(t *testing.T) {
	err := fmt.Errorf("scan: %w", &qmailqueue.PanicError{Value: "index out of range", Stack: []byte("goroutine 7 [running]:\n")})
	if c := ExitStatus(err); c != ExitInternal {
		t.Errorf("ExitStatus = %d, want %d", c, ExitInternal)
	}
	var p *qmailqueue.PanicError
	errors.As(err, &p)
	var stderr bytes.Buffer
	if c := ReportInternal(&stderr, p); c != ExitInternal {
		t.Errorf("ReportInternal = %d", c)
	}
	if got, want := stderr.String(), "qq: internal error: index out of range, please report\ngoroutine 7 [running]:\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}
