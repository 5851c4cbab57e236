package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"golang.org/x/sys/unix"
)

// TestChangeExitCodes checks the documented exit codes of the commands that
// change the queue or the quarantine, in-process.
func TestChangeExitCodes(t *testing.T) {
	m := newMutateQmail(t, 2, 1)
	spam := strconv.FormatUint(m.spam[0], 10)
	ham := strconv.FormatUint(m.ham[0], 10)
	sendmutex := filepath.Join(m.dir, "queue", "lock", "sendmutex")
	notDir := filepath.Join(m.dir, "not-a-dir")
	mustDo(t, os.WriteFile(notDir, nil, 0o644))
	failing := func(code int) string {
		path := filepath.Join(m.dir, "qmail-queue-"+strconv.Itoa(code))
		mustDo(t, os.WriteFile(path, []byte("#!/bin/sh\ncat >/dev/null\nexit "+strconv.Itoa(code)+"\n"), 0o755))
		return path
	}
	holdFlock := func(path string) func() {
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
		mustDo(t, err)
		mustDo(t, unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB))
		return func() { unix.Close(fd) }
	}
	qd := []string{"--qmail-dir", m.dir}
	for _, tc := range []struct {
		name   string
		args   []string
		setup  func() func()
		code   int
		stderr string
	}{
		{"no selection", []string{"rm", "--no-svc"}, nil, cmdutil.ExitUsage, "needs message IDs"},
		{"bad format", []string{"rm", "--format", "xml", spam}, nil, cmdutil.ExitUsage, "--format xml is not offered"},
		{"bad id", []string{"rm", "x1"}, nil, cmdutil.ExitUsage, `bad message ID "x1"`},
		{"dry run", []string{"rm", "--dry-run", spam}, nil, cmdutil.ExitOK, ""},
		{"nothing matched", []string{"rm", "--yes", "--no-svc", "--sender", "nobody@example.com"}, nil, cmdutil.ExitNoMatch, "no message matched"},
		{"no terminal", []string{"rm", "--no-svc", spam}, nil, cmdutil.ExitUsage, "no terminal to ask on"},
		{"qmail-send running", []string{"rm", "--yes", "--no-svc", spam}, func() func() { return holdFlock(sendmutex) }, cmdutil.ExitTempFail, "cannot be stopped"},
		{"quarantine busy", []string{"rm", "--yes", "--no-svc", spam}, func() func() {
			mustDo(t, os.MkdirAll(filepath.Join(m.dir, "qq-quarantine"), 0o700))
			return holdFlock(filepath.Join(m.dir, "qq-quarantine", ".lock"))
		}, cmdutil.ExitTempFail, "in use by another qq run"},
		{"quarantine not a directory", []string{"rm", "--yes", "--no-svc", "--quarantine", notDir, spam}, nil, cmdutil.ExitError, "not a directory"},
		{"removed", []string{"rm", "--yes", "--no-svc", spam}, nil, cmdutil.ExitOK, ""},
		{"expire nothing matched", []string{"expire", "--yes", spam}, nil, cmdutil.ExitNoMatch, "no message matched"},
		{"retry without qmail-send", []string{"retry"}, nil, cmdutil.ExitTempFail, "qmail-send is not running"},
		{"requeue permanent failure", []string{"requeue", "--yes", "--qmail-queue", failing(31), spam}, nil, cmdutil.ExitError, "exited 31"},
		{"requeue temporary failure", []string{"requeue", "--yes", "--qmail-queue", failing(62), spam}, nil, cmdutil.ExitTempFail, "problem with the queue directory"},
		{"requeue nothing", []string{"requeue", "--yes", ham}, nil, cmdutil.ExitNoMatch, "nothing to requeue"},
		{"purge busy", []string{"quarantine", "purge", "--all"}, func() func() {
			return holdFlock(filepath.Join(m.dir, "qq-quarantine", ".lock"))
		}, cmdutil.ExitTempFail, "in use"},
		{"purge", []string{"quarantine", "purge", "--all"}, nil, cmdutil.ExitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				defer tc.setup()()
			}
			code, _, stderr := runQQ(t, context.Background(), append(qd, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
		})
	}
	m.checkLocks(t)
}
