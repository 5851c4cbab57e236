package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// Stand-ins for qmail's programs, run as commands of the test binary
// (testscript.Main puts them on $PATH):
//
//	qmail-queue   queuetest.QmailQueue on $QQ_TEST_QUEUE: qmail-queue's
//	              steps on a builder-made queue (qq requeue tests)
//	qmail-send    takes lock/sendmutex ($QQ_TEST_SENDMUTEX) as qmail-send
//	              does and holds it for life; on TERM it "finishes its
//	              deliveries" for the duration in ./term-delay, then exits
//	              (services under real supervise)
func standinCmds() map[string]func() {
	return map[string]func(){
		"qmail-queue": func() { os.Exit(queuetest.QmailQueue(os.Getenv("QQ_TEST_QUEUE"))) },
		"qmail-send":  func() { os.Exit(standinQmailSend(os.Getenv("QQ_TEST_SENDMUTEX"))) },
	}
}

// standinQmailSend mimics qmail-send.c main: open_write("lock/sendmutex")
// (O_WRONLY|O_NDELAY), then lock_exnb (flock LOCK_EX|LOCK_NB), held for
// life; "alert: cannot start: qmail-send is already running" and exit 111
// when the lock is taken. Its pid goes to ./pid, and a line to ./alarms for
// each SIGALRM, for the tests.
func standinQmailSend(sendmutex string) int {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	fd, err := unix.Open(sendmutex, unix.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "alert: cannot start: unable to open mutex")
		return 111
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		fmt.Fprintln(os.Stderr, "alert: cannot start: qmail-send is already running")
		return 111
	}
	os.WriteFile("pid", fmt.Appendf(nil, "%d\n", os.Getpid()), 0o644)
	alarms := make(chan os.Signal, 1)
	signal.Notify(alarms, syscall.SIGALRM)
	for {
		select {
		case <-alarms:
			// qmail-send reschedules every message (pqrun); the stand-in
			// notes that it was told to.
			if f, err := os.OpenFile("alarms", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
				f.WriteString("ALRM\n")
				f.Close()
			}
			continue
		case <-terms:
		}
		break
	}
	delay := time.Duration(0)
	if b, err := os.ReadFile("term-delay"); err == nil {
		delay, _ = time.ParseDuration(strings.TrimSpace(string(b)))
	}
	time.Sleep(delay)
	return 0
}

// mutateScriptCmds are the script commands of the queue-changing tests:
//
//	snaplocks QMAILDIR NAME
//	    records inode, type, mode, size and mtime of lock/sendmutex,
//	    lock/tcpto and lock/trigger under NAME
//	checklocks [-content] QMAILDIR NAME
//	    fails unless the lock files are as recorded under NAME (without
//	    -content, tcpto's mtime may differ: qmail-tcpok writes it)
//	qstate QMAILDIR ID STATE
//	    fails unless message ID is in STATE (S1 … S5) by the files that
//	    exist for it; "! qstate" is not supported
//	sortids VAR ID…
//	    sets $VAR to the IDs in numeric order, separated by spaces (the
//	    order of qq rm's plan)
//	tcpto FILE IP:COUNT:UNIXTIME…
//	    writes those records into the tcpto file (slots 1, 2, …) in place
//	tcpto -empty FILE
//	    fails unless FILE is 1024 NUL bytes
func mutateScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	// Scripts run in parallel: snapshots are kept per work directory.
	var mu sync.Mutex
	snaps := map[string]map[string]unix.Stat_t{}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"snaplocks": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 2 {
				ts.Fatalf("usage: snaplocks QMAILDIR NAME")
			}
			st := lockStats(ts, ts.MkAbs(args[0]))
			mu.Lock()
			snaps[ts.Getenv("WORK")+"\x00"+args[1]] = st
			mu.Unlock()
		},
		"checklocks": func(ts *testscript.TestScript, neg bool, args []string) {
			content := len(args) > 0 && args[0] == "-content"
			if content {
				args = args[1:]
			}
			if neg || len(args) != 2 {
				ts.Fatalf("usage: checklocks [-content] QMAILDIR NAME")
			}
			mu.Lock()
			before, ok := snaps[ts.Getenv("WORK")+"\x00"+args[1]]
			mu.Unlock()
			if !ok {
				ts.Fatalf("checklocks: no snapshot %q", args[1])
			}
			for name, after := range lockStats(ts, ts.MkAbs(args[0])) {
				b := before[name]
				mtimeOK := b.Mtim == after.Mtim || (!content && name == "tcpto")
				if b.Ino != after.Ino || b.Mode != after.Mode || b.Size != after.Size || !mtimeOK || b.Uid != after.Uid {
					ts.Fatalf("lock/%s changed: inode %d→%d, mode %o→%o, size %d→%d, mtime %v→%v",
						name, b.Ino, after.Ino, b.Mode, after.Mode, b.Size, after.Size, b.Mtim, after.Mtim)
				}
			}
		},
		"sortids": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) < 2 {
				ts.Fatalf("usage: sortids VAR ID…")
			}
			ids := make([]uint64, len(args)-1)
			for i, a := range args[1:] {
				_, err := fmt.Sscan(a, &ids[i])
				ts.Check(err)
			}
			slices.Sort(ids)
			words := make([]string, len(ids))
			for i, id := range ids {
				words[i] = fmt.Sprint(id)
			}
			ts.Setenv(args[0], strings.Join(words, " "))
		},
		"tcpto": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) < 2 {
				ts.Fatalf("usage: tcpto FILE IP:COUNT:UNIXTIME… | tcpto -empty FILE")
			}
			if args[0] == "-empty" {
				b, err := os.ReadFile(ts.MkAbs(args[1]))
				ts.Check(err)
				if len(b) != 1024 || strings.Trim(string(b), "\x00") != "" {
					ts.Fatalf("%s is not 1024 NUL bytes (%d bytes, %q…)", args[1], len(b), b[:min(len(b), 32)])
				}
				return
			}
			f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_WRONLY, 0)
			ts.Check(err)
			defer f.Close()
			for i, spec := range args[1:] {
				var a, b, c, d, count byte
				var when uint32
				if _, err := fmt.Sscanf(spec, "%d.%d.%d.%d:%d:%d", &a, &b, &c, &d, &count, &when); err != nil {
					ts.Fatalf("tcpto: bad record %q: %v", spec, err)
				}
				rec := []byte{a, b, c, d, count, 0, 0, 0, byte(when), byte(when >> 8), byte(when >> 16), byte(when >> 24), 0, 0, 0, 0}
				_, err := f.WriteAt(rec, int64(16*(i+1)))
				ts.Check(err)
			}
		},
		"qstate": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 3 {
				ts.Fatalf("usage: qstate QMAILDIR ID STATE")
			}
			b, err := queuetest.Open(filepath.Join(ts.MkAbs(args[0]), "queue"), queuetest.Options{})
			ts.Check(err)
			var id uint64
			_, err = fmt.Sscan(args[1], &id)
			ts.Check(err)
			if state, desc := b.StateOf(id); state != args[2] {
				ts.Fatalf("message %d is %s, want %s", id, desc, args[2])
			}
		},
	}
}

// lockStats stats the three lock files of the queue in qmailDir.
func lockStats(ts *testscript.TestScript, qmailDir string) map[string]unix.Stat_t {
	out := map[string]unix.Stat_t{}
	for _, name := range []string{"sendmutex", "tcpto", "trigger"} {
		var st unix.Stat_t
		ts.Check(unix.Lstat(filepath.Join(qmailDir, "queue", "lock", name), &st))
		out[name] = st
	}
	return out
}
