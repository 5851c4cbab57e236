package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
		{"no selection", []string{"rm", "--no-svc"}, nil, exitUsage, "needs message IDs"},
		{"bad format", []string{"rm", "--format", "xml", spam}, nil, exitUsage, "--format xml is not offered"},
		{"bad id", []string{"rm", "x1"}, nil, exitUsage, `bad message ID "x1"`},
		{"dry run", []string{"rm", "--dry-run", spam}, nil, exitOK, ""},
		{"nothing matched", []string{"rm", "--yes", "--no-svc", "--sender", "nobody@example.com"}, nil, exitNoMatch, "no message matched"},
		{"no terminal", []string{"rm", "--no-svc", spam}, nil, exitUsage, "no terminal to ask on"},
		{"qmail-send running", []string{"rm", "--yes", "--no-svc", spam}, func() func() { return holdFlock(sendmutex) }, exitTempFail, "cannot be stopped"},
		{"quarantine busy", []string{"rm", "--yes", "--no-svc", spam}, func() func() {
			mustDo(t, os.MkdirAll(filepath.Join(m.dir, "qq-quarantine"), 0o700))
			return holdFlock(filepath.Join(m.dir, "qq-quarantine", ".lock"))
		}, exitTempFail, "in use by another qq run"},
		{"quarantine not a directory", []string{"rm", "--yes", "--no-svc", "--quarantine", notDir, spam}, nil, exitError, "not a directory"},
		{"removed", []string{"rm", "--yes", "--no-svc", spam}, nil, exitOK, ""},
		{"expire nothing matched", []string{"expire", "--yes", spam}, nil, exitNoMatch, "no message matched"},
		{"retry without qmail-send", []string{"retry"}, nil, exitTempFail, "qmail-send is not running"},
		{"requeue permanent failure", []string{"requeue", "--yes", "--qmail-queue", failing(31), spam}, nil, exitError, "exited 31"},
		{"requeue temporary failure", []string{"requeue", "--yes", "--qmail-queue", failing(62), spam}, nil, exitTempFail, "problem with the queue directory"},
		{"requeue nothing", []string{"requeue", "--yes", ham}, nil, exitNoMatch, "nothing to requeue"},
		{"purge busy", []string{"quarantine", "purge", "--all"}, func() func() {
			return holdFlock(filepath.Join(m.dir, "qq-quarantine", ".lock"))
		}, exitTempFail, "in use"},
		{"purge", []string{"quarantine", "purge", "--all"}, nil, exitOK, ""},
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
