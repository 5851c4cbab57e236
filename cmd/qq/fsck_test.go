package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// TestFsckExitCodes checks the exit statuses qq fsck documents.
func TestFsckExitCodes(t *testing.T) {
	msg := queuetest.Message{Sender: "a@example.org", Recipients: []queuetest.Recipient{{Addr: "r@example.net", Remote: true}}}
	newQueue := func(t *testing.T, broken ...queuetest.Broken) string {
		b := queuetest.NewT(t, queuetest.Options{Split: 5})
		if _, err := b.Add(msg); err != nil {
			t.Fatal(err)
		}
		for _, k := range broken {
			if _, err := b.AddBroken(k, msg); err != nil {
				t.Fatal(err)
			}
		}
		return b.Dir()
	}
	clean := newQueue(t)
	broken := newQueue(t, queuetest.TodoNoMess, queuetest.NameNotInode)
	held := newQueue(t, queuetest.IntdOnly)
	holdLock(t, filepath.Join(held, "lock", "sendmutex"))
	trigger := newQueue(t, queuetest.IntdOnly)
	if err := os.Remove(filepath.Join(trigger, "lock", "trigger")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(trigger, "lock", "trigger"), nil, 0o622); err != nil {
		t.Fatal(err)
	}
	notQueue := t.TempDir()
	parent := t.TempDir()

	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"clean", []string{"--queue", clean, "fsck"}, 0, ": 0 errors, 0 warnings"},
		{"findings", []string{"--queue", broken, "fsck"}, 1, ": 2 errors, 0 warnings"},
		{"dry run", []string{"--queue", broken, "fsck", "--repair", "--dry-run"}, 1, "the plan repairs 2 findings"},
		{"usage", []string{"--queue", clean, "fsck", "--resplit", "0"}, 2, "--resplit must be a positive number"},
		{"bad format", []string{"--queue", clean, "fsck", "--format", "qread"}, 2, "--format qread is not offered"},
		{"not a queue", []string{"--queue", notQueue, "fsck"}, 3, "not a qmail queue"},
		{"lock held", []string{"--queue", held, "fsck", "--repair", "--no-svc"}, 111, "qmail-send is running and cannot be stopped"},
		{"repaired", []string{"--queue", broken, "fsck", "--repair", "--no-svc"}, 0, ": 0 errors, 0 warnings"},
		{"clean after", []string{"--queue", broken, "fsck"}, 0, ": 0 errors, 0 warnings"},
		// A lock file of the wrong type is never touched: it stays.
		{"left", []string{"--queue", trigger, "fsck", "--repair", "--no-svc"}, 1, ": 1 errors, 0 warnings"},
		{"create", []string{"fsck", "--create", filepath.Join(parent, "queue"), "--split", "3"}, 0, ""},
		{"create again", []string{"fsck", "--create", filepath.Join(parent, "queue")}, 3, "not empty"},
		{"resplit", []string{"--queue", clean, "fsck", "--resplit", "7", "--no-svc"}, 0, "moved the queue to split 7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runQQ(t, context.Background(), c.args...)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Errorf("qq %s: exit %d, want %d; stderr %q doesn't contain %q\nstdout:\n%s",
					strings.Join(c.args, " "), code, c.code, stderr, c.stderr, stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(held, "intd")); err != nil {
		t.Fatal(err)
	}
}
