// Package e2e holds end-to-end tests of the qq binary against the real
// qmail (see package realqmail): qmail-send, qmail-queue, qmail-inject,
// qmail-qread and qmail-qstat from notqmail, daemontools' supervise,
// multilog, svstat and tai64nlocal. They skip with one line unless
// `make test-qmail` set the real qmail up.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqmail/qq/e2e/realqmail"
)

// qqBin is the qq binary under test, built once by TestMain.
var qqBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, reason := realqmail.Available(); reason != "" {
		fmt.Println("e2e: skipped:", reason)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "qq-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	qqBin = filepath.Join(dir, "qq")
	if out, err := exec.Command("go", "build", "-o", qqBin, "../cmd/qq").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build qq: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// qq runs the qq binary on the test qmail's home and returns stdout,
// stderr and the exit code.
func qq(q *realqmail.Qmail, args ...string) (stdout, stderr string, code int) {
	return qqIn(q, "", args...)
}

func qqIn(q *realqmail.Qmail, stdin string, args ...string) (stdout, stderr string, code int) {
	return realqmail.Command(stdin, qqBin, append([]string{"--qmail-dir", q.Home, "--color", "never"}, args...)...)
}

// qqOK runs qq and fails the test unless it exits 0.
func qqOK(t *testing.T, q *realqmail.Qmail, args ...string) string {
	t.Helper()
	out, errOut, code := qq(q, args...)
	if code != 0 {
		t.Fatalf("qq %s: exit %d\n%s%s\nlog:\n%s", strings.Join(args, " "), code, out, errOut, q.LogText())
	}
	return out
}
