package qmailqueue

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

// TestHelperQmailQueue is not a test: the test binary re-executed by
// queuetest.StandinScript is the qmail-queue stand-in for the Injector tests.
func TestHelperQmailQueue(t *testing.T) { queuetest.StandinHelper(t) }

// standinQmailQueue is queuetest.StandinScript: a qmail-queue running the
// stand-in on queueDir.
func standinQmailQueue(t *testing.T, queueDir string) string {
	return queuetest.StandinScript(t, queueDir)
}

func TestInjectAndFind(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	q, err := Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	inj := &Injector{Path: standinQmailQueue(t, b.Dir())}
	start := time.Now()
	msg := "Subject: back again\n\nhello\n"
	pid, err := inj.Inject(strings.NewReader(msg), "alice@example.com", []string{"bob@example.org", "carol@example.net"})
	if err != nil {
		t.Fatal(err)
	}
	found, err := q.FindInjected(map[int]bool{pid: true}, start)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := found[pid]
	if !ok {
		t.Fatalf("pid %d not found in the queue", pid)
	}
	if st := queuetest.LegalState(b.Present(id)); st != "S4" {
		t.Errorf("new message is in state %q, want S4", st)
	}
	mess, _ := os.ReadFile(b.Path("mess", id))
	wantPrefix := fmt.Sprintf("Received: (qmail %d invoked by uid %d); ", pid, os.Getuid())
	if !strings.HasPrefix(string(mess), wantPrefix) || !strings.HasSuffix(string(mess), "\n"+msg) {
		t.Errorf("mess = %q", mess)
	}
	todo, _ := os.ReadFile(b.Path("todo", id))
	wantTodo := fmt.Sprintf("u%d\x00p%d\x00Falice@example.com\x00Tbob@example.org\x00Tcarol@example.net\x00", os.Getuid(), pid)
	if string(todo) != wantTodo {
		t.Errorf("todo = %q, want %q", todo, wantTodo)
	}
	var st unix.Stat_t
	if unix.Stat(b.Path("mess", id), &st) != nil || st.Ino != id {
		t.Errorf("mess/%d is not inode %d", id, id)
	}

	// Once qmail-send preprocessed it, todo is gone: the Received line
	// still names the pid.
	os.Remove(b.Path("intd", id))
	os.Remove(b.Path("todo", id))
	if err := os.WriteFile(b.Path("info", id), []byte("Falice@example.com\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	found, err = q.FindInjected(map[int]bool{pid: true, 1: true}, start)
	if err != nil || found[pid] != id || len(found) != 1 {
		t.Errorf("after preprocessing: found %v, %v; want %d", found, err, id)
	}
}

func TestInjectErrors(t *testing.T) {
	dir := t.TempDir()
	script := func(body string) *Injector {
		path := filepath.Join(dir, strconv.Itoa(len(body)))
		if err := os.WriteFile(path, []byte("#!/bin/sh\ncat >/dev/null\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return &Injector{Path: path}
	}
	for _, tc := range []struct {
		body      string
		code      int
		temporary bool
		text      string
	}{
		{"exit 64", 64, true, "qmail-queue exited 64: problem with queue/mess (temporary)"},
		{"exit 11", 11, false, "qmail-queue exited 11: address too long (permanent)"},
		{"exit 91", 91, true, "qmail-queue exited 91: envelope format error (temporary)"},
		{"printf 'Dno spam here' >&6; exit 82", 82, false, "qmail-queue exited 82: mail server refuses to send the message to any recipients (permanent): Dno spam here"},
		{"printf 'Ztry later' >&6; exit 82", 82, true, "(temporary): Ztry later"},
		{"echo oops >&2; exit 99", 99, true, "qmail-queue exited 99 (temporary): oops"},
	} {
		_, err := script(tc.body).Inject(strings.NewReader("x\n"), "a@b", []string{"c@d"})
		var ie *InjectError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want an InjectError", tc.body, err)
			continue
		}
		if ie.Code != tc.code || ie.Temporary() != tc.temporary || !strings.Contains(ie.Error(), tc.text) {
			t.Errorf("%s: got %d %v %q", tc.body, ie.Code, ie.Temporary(), ie.Error())
		}
	}
}

func TestEncodeEnvelope(t *testing.T) {
	got, err := EncodeEnvelope("", []string{"a@b", "c@d"})
	if err != nil || !bytes.Equal(got, []byte("F\x00Ta@b\x00Tc@d\x00\x00")) {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range [][]string{{"a@b"}, {"a@b", "x\x00y"}, {"a@b", strings.Repeat("x", MaxAddress+1)}} {
		if _, err := EncodeEnvelope(bad[0], bad[1:]); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := EncodeEnvelope("a", []string{strings.Repeat("x", MaxAddress)}); err != nil {
		t.Errorf("an address of MaxAddress bytes was refused: %v", err)
	}
}

func TestReceivedPID(t *testing.T) {
	for in, want := range map[string]int{
		"Received: (qmail 18709 invoked by uid 65534); 22 Nov 2026 09:00:12 -0000\n": 18709,
		"Received: (qmail 1 invoked from network); x":                                1,
		"Received: from mx (qmail 5 invoked by alias)":                               0,
		"Received: (qmail x invoked by alias)":                                       0,
	} {
		got, ok := receivedPID([]byte(in))
		if got != want || ok != (want != 0) {
			t.Errorf("%q: %d %v, want %d", in, got, ok, want)
		}
	}
}

func FuzzReceivedPID(f *testing.F) {
	f.Add([]byte("Received: (qmail 18709 invoked by uid 65534); 22 Nov 2026 09:00:12 -0000\n"))
	f.Add([]byte("Received: (qmail  invoked "))
	f.Fuzz(func(t *testing.T, b []byte) {
		pid, ok := receivedPID(b)
		if ok && !bytes.HasPrefix(b, []byte("Received: (qmail "+strconv.Itoa(pid))) && pid >= 0 {
			// Leading zeros and signs parse to the same number; only
			// check that what was parsed is a number.
			if _, err := strconv.Atoi(strings.Fields(string(b[len("Received: (qmail "):]))[0]); err != nil {
				t.Errorf("%q gave pid %d", b, pid)
			}
		}
	})
}
