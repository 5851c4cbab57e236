package queuetest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// QmailQueue is a stand-in for qmail-queue for tests that run it as a
// program (the test binary re-executed, or a testscript command): it queues
// the message read on descriptor 0 with the envelope read on descriptor 1
// into queueDir, step by step as qmail-queue.c does (docs/queue.md §2, §3.1–§3.3),
// and returns qmail-queue's exit code (qmail-queue.8):
//
//  1. create pid/<pid>.<time>.<seq> with O_EXCL, seq 1..9 (else 63);
//  2. its inode is the ID: link it to mess/<ID%split>/<ID> (else 64),
//     unlink the pid file (else 63);
//  3. write the Received line and the message through the same
//     descriptor, fsync (read error 54, write error 53, both clean up);
//  4. create intd/ID with O_EXCL (else 65) and write u, p, F and T records
//     read from the envelope (F missing or a record not T: 91; an address
//     of 1003 bytes or more: 11; end of file before the final NUL: 54),
//     fsync;
//  5. link intd/ID to todo/ID (else 66), pull lock/trigger, exit 0.
//
// The real qmail-queue finds the queue in its compiled-in qmail home; the
// stand-in is told where it is.
func QmailQueue(queueDir string) int {
	return qmailQueue(queueDir, os.Stdin, os.NewFile(1, "envelope"))
}

// StandinEnv names the queue directory for a test binary re-executed as
// the qmail-queue stand-in (see [StandinHelper] and [StandinScript]).
const StandinEnv = "QQ_TEST_QMAILQUEUE_DIR"

// StandinHelper is the body of a package's TestHelperQmailQueue: run with
// StandinEnv set (by a [StandinScript]), the test binary is the stand-in
// and exits with its code; otherwise the test is skipped.
func StandinHelper(t testing.TB) {
	dir := os.Getenv(StandinEnv)
	if dir == "" {
		t.Skip("helper process: the qmail-queue stand-in of the requeue tests")
	}
	os.Exit(QmailQueue(dir))
}

// StandinScript writes a qmail-queue into a temporary directory of t: a
// script that execs the running test binary's TestHelperQmailQueue (which
// calls [StandinHelper]) on queueDir, so that the stand-in runs under the
// pid its caller started, as qmail-queue does (qq finds the new message by
// that pid). It returns the script's path.
func StandinScript(t testing.TB, queueDir string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "qmail-queue")
	script := fmt.Sprintf("#!/bin/sh\n%s=%s exec %s -test.run='^TestHelperQmailQueue$'\n", StandinEnv, queueDir, exe)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// addrMax is qmail-queue's ADDR: an address and its NUL fit in 1003 bytes.
const addrMax = 1003

type qmailQueueRun struct {
	messPath, intdPath string
	mess, intd         *os.File
}

// cleanup is qmail-queue's cleanup(): only read and write errors undo what
// was made; every other exit leaves it for qmail-send's 36 h rules.
func (r *qmailQueueRun) cleanup() {
	if r.intd != nil {
		r.intd.Truncate(0)
		if os.Remove(r.intdPath) != nil {
			return
		}
	}
	if r.mess != nil {
		r.mess.Truncate(0)
		os.Remove(r.messPath)
	}
}

func qmailQueue(queueDir string, message io.Reader, envelope io.Reader) int {
	pid := os.Getpid()
	uid := os.Getuid()
	start := time.Now()
	split, err := countSplit(filepath.Join(queueDir, "mess"))
	if err != nil {
		return 62
	}
	bigTodo := false
	if st, err := os.Stat(filepath.Join(queueDir, "todo", "0")); err == nil && st.IsDir() {
		bigTodo = true
	}
	received := fmt.Sprintf("Received: (qmail %d invoked by uid %d); %s\n", pid, uid, date822(start))

	var f *os.File
	var pidPath string
	for seq := 1; seq <= maxPidTries && f == nil; seq++ {
		pidPath = filepath.Join(queueDir, "pid", fmt.Sprintf("%d.%d.%d", pid, start.Unix(), seq))
		f, _ = os.OpenFile(pidPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if f == nil {
		return 63
	}
	defer f.Close()
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		return 63
	}
	id := st.Ino
	name := strconv.FormatUint(id, 10)
	sub := strconv.FormatUint(id%uint64(split), 10)
	r := &qmailQueueRun{messPath: filepath.Join(queueDir, "mess", sub, name)}
	todoPath := filepath.Join(queueDir, "todo", name)
	r.intdPath = filepath.Join(queueDir, "intd", name)
	if bigTodo {
		todoPath = filepath.Join(queueDir, "todo", sub, name)
		r.intdPath = filepath.Join(queueDir, "intd", sub, name)
	}
	if os.Link(pidPath, r.messPath) != nil {
		return 64
	}
	if os.Remove(pidPath) != nil {
		return 63
	}
	r.mess = f

	if code := copyMessage(f, received, message); code != 0 {
		r.cleanup()
		return code
	}

	intd, err := os.OpenFile(r.intdPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 65
	}
	defer intd.Close()
	r.intd = intd
	iw := bufio.NewWriter(intd)
	fmt.Fprintf(iw, "u%d\x00p%d\x00", uid, pid)
	env := bufio.NewReader(envelope)
	// readAddr copies one address and its NUL.
	readAddr := func() int {
		for n := 0; n < addrMax; n++ {
			c, err := env.ReadByte()
			if err != nil {
				r.cleanup()
				return 54
			}
			iw.WriteByte(c)
			if c == 0 {
				return 0
			}
		}
		return 11
	}
	c, err := env.ReadByte()
	if err != nil {
		r.cleanup()
		return 54
	}
	if c != 'F' {
		return 91
	}
	iw.WriteByte(c)
	if code := readAddr(); code != 0 {
		return code
	}
	for {
		c, err := env.ReadByte()
		if err != nil {
			r.cleanup()
			return 54
		}
		if c == 0 {
			break
		}
		if c != 'T' {
			return 91
		}
		iw.WriteByte(c)
		if code := readAddr(); code != 0 {
			return code
		}
	}
	if iw.Flush() != nil || intd.Sync() != nil {
		r.cleanup()
		return 53
	}
	if os.Link(r.intdPath, todoPath) != nil {
		return 66
	}
	// triggerpull: one byte, non-blocking, every failure ignored.
	if fd, err := unix.Open(filepath.Join(queueDir, "lock", "trigger"), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
		unix.Write(fd, []byte{0})
		unix.Close(fd)
	}
	return 0
}

// copyMessage writes the Received line and the message to f and fsyncs it;
// it returns 54 for a read error, 53 for a write error, else 0.
func copyMessage(f *os.File, received string, message io.Reader) int {
	w := bufio.NewWriter(f)
	w.WriteString(received)
	buf := make([]byte, 32<<10)
	for {
		n, err := message.Read(buf)
		if _, werr := w.Write(buf[:n]); werr != nil {
			return 53
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 54
		}
	}
	if w.Flush() != nil || f.Sync() != nil {
		return 53
	}
	return 0
}
