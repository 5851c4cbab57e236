package qmailqueue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// MaxAddress is the longest address qmail-queue accepts: ADDR is 1003 bytes
// with the NUL (qmail-queue.c; longer gives exit 11).
const MaxAddress = 1002

// EncodeEnvelope returns the envelope qmail-queue reads on descriptor 1
// (qmail-queue.8): F, the sender, a NUL; T, a recipient, a NUL for each
// recipient; then the extra NUL that ends the list. Addresses with a NUL,
// longer than MaxAddress, or no recipient at all are refused.
func EncodeEnvelope(sender string, recipients []string) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("envelope: no recipient")
	}
	var b bytes.Buffer
	for i, a := range append([]string{sender}, recipients...) {
		what := "sender"
		if i > 0 {
			what = "recipient " + strconv.Quote(a)
		}
		switch {
		case strings.IndexByte(a, 0) >= 0:
			return nil, fmt.Errorf("envelope: %s contains a NUL byte", what)
		case len(a) > MaxAddress:
			return nil, fmt.Errorf("envelope: %s is %d bytes long; qmail-queue takes at most %d", what, len(a), MaxAddress)
		}
		if i == 0 {
			b.WriteByte('F')
		} else {
			b.WriteByte('T')
		}
		b.WriteString(a)
		b.WriteByte(0)
	}
	b.WriteByte(0)
	return b.Bytes(), nil
}

// InjectError is a failure of qmail-queue, by its exit code (qmail-queue.8).
type InjectError struct {
	// Code is qmail-queue's exit status, or -1 when it was killed.
	Code int
	// Text is the message a program offering qmail-queue's interface wrote
	// to descriptor 6 with exit 82, or what it printed on stderr.
	Text string
}

// injectCodes are the exit codes of qmail-queue.8 ("EXIT CODES").
var injectCodes = map[int]string{
	11: "address too long",
	31: "mail server permanently refuses to send the message to any recipients",
	51: "out of memory",
	52: "timeout",
	53: "write error (disk full?)",
	54: "unable to read the message or envelope",
	55: "unable to read a configuration file",
	56: "problem making a network connection from this host",
	61: "problem with the qmail home directory",
	62: "problem with the queue directory",
	63: "problem with queue/pid",
	64: "problem with queue/mess",
	65: "problem with queue/intd",
	66: "problem with queue/todo",
	71: "mail server temporarily refuses to send the message to any recipients",
	72: "connection to mail server timed out",
	73: "connection to mail server rejected",
	74: "connection to mail server succeeded, but communication failed",
	81: "internal bug (e.g. segmentation fault)",
	82: "mail server refuses to send the message to any recipients",
	91: "envelope format error",
}

// Error says what the exit code means and whether it is permanent.
func (e *InjectError) Error() string {
	var b strings.Builder
	if e.Code < 0 {
		b.WriteString("qmail-queue was killed")
	} else {
		fmt.Fprintf(&b, "qmail-queue exited %d", e.Code)
		if s, ok := injectCodes[e.Code]; ok {
			b.WriteString(": " + s)
		}
	}
	if e.Temporary() {
		b.WriteString(" (temporary)")
	} else {
		b.WriteString(" (permanent)")
	}
	if e.Text != "" {
		b.WriteString(": " + e.Text)
	}
	return b.String()
}

// Temporary reports whether trying again later may succeed: every code
// but 11–40 (permanent, qmail-queue.8), and 82 with a text starting with Z.
func (e *InjectError) Temporary() bool {
	switch {
	case e.Code >= 11 && e.Code <= 40:
		return false
	case e.Code == 82:
		return !strings.HasPrefix(e.Text, "D")
	}
	return true
}

// Injector queues messages by running qmail-queue, the only safe way to put
// a message into a queue: qq never creates inode-named files itself (docs/queue.md
// §10 rule 18).
type Injector struct {
	// Path is the qmail-queue program (or a program with its interface, as
	// $QMAILQUEUE names one).
	Path string
	// Env is its environment; nil means qq's own.
	Env []string
}

// InjectorFor returns the injector of the qmail installed in qmailDir:
// path, which is $QMAILQUEUE as every qmail program that queues mail
// honours it (or a program the user named), else qmailDir/bin/qmail-queue.
func InjectorFor(path, qmailDir string) *Injector {
	if path == "" {
		path = filepath.Join(qmailDir, "bin", "qmail-queue")
	}
	return &Injector{Path: path}
}

// Inject runs qmail-queue with message on descriptor 0 and the envelope on
// descriptor 1, and returns the pid of the qmail-queue process, which is in
// the p record of the new todo file and in the Received line it adds (see
// [Queue.FindInjected]). A failure is an *InjectError.
//
// qmail-queue runs in a process group of its own and is not killed when the
// caller is interrupted: cut short after it linked todo/ID, it would have
// queued the message while the caller believes it failed. Check for
// cancellation between messages instead.
func (inj *Injector) Inject(message io.Reader, sender string, recipients []string) (pid int, err error) {
	env, err := EncodeEnvelope(sender, recipients)
	if err != nil {
		return 0, err
	}
	envR, envW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer envR.Close()
	defer envW.Close()
	// Descriptor 6 carries the text of exit 82 (qmail-queue.8); 3, 4 and 5
	// are closed in the child.
	textR, textW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer textR.Close()
	defer textW.Close()

	var stderr bytes.Buffer
	cmd := exec.Command(inj.Path)
	cmd.Env = inj.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdin = message
	cmd.Stdout = envR
	cmd.Stderr = &stderr
	cmd.ExtraFiles = []*os.File{nil, nil, nil, textW}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("run qmail-queue: %w", err)
	}
	envR.Close()
	textW.Close()
	pid = cmd.Process.Pid
	// qmail-queue reads the whole message before the envelope; the write
	// blocks until then, or fails with EPIPE if qmail-queue gives up first.
	werr := make(chan error, 1)
	go func() {
		_, err := envW.Write(env)
		envW.Close()
		werr <- err
	}()
	text := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(textR, 1024))
		text <- string(b)
	}()
	err = cmd.Wait()
	wErr := <-werr
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		ie := &InjectError{Code: exit.ExitCode(), Text: strings.TrimSpace(<-text)}
		if ie.Text == "" {
			ie.Text = strings.TrimSpace(stderr.String())
		}
		return pid, ie
	}
	if err != nil {
		return pid, fmt.Errorf("run qmail-queue: %w", err)
	}
	if wErr != nil {
		return pid, fmt.Errorf("write the envelope to qmail-queue: %w", wErr)
	}
	return pid, nil
}

// FindInjected finds the messages that qmail-queue processes with the given
// pids queued at or after since, and returns their IDs by pid. qmail-queue
// does not print the ID it gives a message; it writes its own pid in the p
// record of todo/ID and in the Received line it puts at the top of mess/N/ID
// ("Received: (qmail <pid> invoked …)", docs/queue.md §3.2, §3.3). todo/ is small and
// read first; a message qmail-send already preprocessed (todo gone) is found
// by its mess file, among those modified since `since` only. A pid that is
// not found (a $QMAILQUEUE wrapper runs qmail-queue under another pid) is
// missing from the map.
func (q *Queue) FindInjected(pids map[int]bool, since time.Time) (map[int]uint64, error) {
	found := map[int]uint64{}
	if len(pids) == 0 {
		return found, nil
	}
	since = since.Truncate(time.Second).Add(-time.Second)
	todoDirs := []string{filepath.Join(q.Dir, "todo")}
	if q.BigTodo {
		todoDirs = todoDirs[:0]
		for n := 0; n < q.Split; n++ {
			todoDirs = append(todoDirs, filepath.Join(q.Dir, "todo", strconv.Itoa(n)))
		}
	}
	buf := make([]byte, 256)
	for _, dir := range todoDirs {
		err := forRecentFiles(dir, since, func(id uint64, fd int) {
			n, _ := unix.Pread(fd, buf, 0)
			env, _ := ParseTodo(buf[:n])
			if pid, err := strconv.Atoi(env.QP); err == nil && env.HasQP && pids[pid] {
				found[pid] = id
			}
		})
		if err != nil {
			return found, err
		}
	}
	for n := 0; n < q.Split && len(found) < len(pids); n++ {
		err := forRecentFiles(filepath.Join(q.Dir, "mess", strconv.Itoa(n)), since, func(id uint64, fd int) {
			n, _ := unix.Pread(fd, buf, 0)
			if pid, ok := receivedPID(buf[:n]); ok && pids[pid] {
				if _, dup := found[pid]; !dup {
					found[pid] = id
				}
			}
		})
		if err != nil {
			return found, err
		}
	}
	return found, nil
}

// forRecentFiles calls fn with an open descriptor of every file in dir with
// a canonical ID name modified at or after since.
func forRecentFiles(dir string, since time.Time, fn func(id uint64, fd int)) error {
	ids, err := listIDs(dir)
	if err != nil {
		return err
	}
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	for _, id := range ids {
		name := strconv.FormatUint(id, 10)
		var st unix.Stat_t
		if unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || timespec(st.Mtim).Before(since) {
			continue
		}
		// Through the one safe open: a FIFO or a link planted here must
		// neither block nor be followed (docs/queue.md §10).
		fd, _, err := OpenQueueFileAt(dfd, name, 0, MaxLinksTodo)
		if err != nil {
			continue
		}
		fn(id, fd)
		unix.Close(fd)
	}
	return nil
}

// receivedPID reads the pid from the Received line qmail-queue puts first
// in every message: "Received: (qmail <pid> invoked ".
func receivedPID(b []byte) (int, bool) {
	const prefix = "Received: (qmail "
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return 0, false
	}
	b = b[len(prefix):]
	i := bytes.IndexByte(b, ' ')
	if i <= 0 || !bytes.HasPrefix(b[i:], []byte(" invoked ")) {
		return 0, false
	}
	pid, err := strconv.Atoi(string(b[:i]))
	return pid, err == nil
}
