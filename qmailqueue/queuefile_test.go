package qmailqueue_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

// hangGuard is a generous bound on work that must not block at all; it
// catches a hang (a FIFO opened for reading), never a slow machine.
const hangGuard = 60 * time.Second

// within runs fn and fails the test if it does not return within hangGuard.
func within[T any](t *testing.T, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(hangGuard):
		t.Fatalf("%s did not return: it hangs", what)
		panic("unreachable")
	}
}

// secret writes a file outside the queue whose content must appear in no
// result, and returns its path.
func secret(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte("TOPSECRET root's file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkSecret(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "TOPSECRET root's file\n" {
		t.Errorf("the file outside the queue changed: %q, %v", b, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil || st.Mode&0o7777 != 0o644 {
		t.Errorf("the file outside the queue changed mode: %o, %v", st.Mode&0o7777, err)
	}
}

// plant replaces path with what a compromised qmail user could put there.
func plant(t *testing.T, kind, path, target string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	var err error
	switch kind {
	case "symlink":
		err = os.Symlink(target, path)
	case "hardlink":
		err = os.Link(target, path)
	case "fifo":
		err = unix.Mkfifo(path, 0o644)
	case "dir":
		err = os.Mkdir(path, 0o755)
	case "socket":
		var fd int
		if fd, err = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0); err == nil {
			t.Cleanup(func() { unix.Close(fd) })
			err = unix.Bind(fd, &unix.SockaddrUnix{Name: path})
		}
	default:
		t.Fatalf("plant: unknown kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenQueueFileAt(t *testing.T) {
	outside := secret(t)
	dir := t.TempDir()
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dirfd)
	for _, tc := range []struct {
		kind     string
		maxLinks uint64
		want     string // the error text, "" for a successful open
		errno    unix.Errno
	}{
		{"regular", 1, "", 0},
		{"symlink", 1, "f: is a symbolic link, not a regular file; not followed", unix.ELOOP},
		{"hardlink", 1, "f: has 2 hard links, qmail makes 1; not read (another name may be outside the queue)", unix.EMLINK},
		{"hardlink", 2, "", 0},
		{"fifo", 1, "f: is a FIFO, not a regular file; not opened", unix.EINVAL},
		{"dir", 1, "f: is a directory, not a regular file; not opened", unix.EISDIR},
		{"socket", 1, "f: is a socket, not a regular file; not opened", unix.EINVAL},
	} {
		t.Run(fmt.Sprintf("%s-%d", tc.kind, tc.maxLinks), func(t *testing.T) {
			path := filepath.Join(dir, "f")
			os.RemoveAll(path)
			if err := os.WriteFile(path, []byte("queue file\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.kind != "regular" {
				plant(t, tc.kind, path, outside)
			}
			type result struct {
				fd  int
				st  unix.Stat_t
				err error
			}
			r := within(t, "OpenQueueFileAt", func() result {
				fd, st, err := qmailqueue.OpenQueueFileAt(dirfd, "f", 0, tc.maxLinks)
				return result{fd, st, err}
			})
			if tc.want == "" {
				if r.err != nil {
					t.Fatalf("OpenQueueFileAt: %v", r.err)
				}
				unix.Close(r.fd)
				return
			}
			if r.err == nil {
				unix.Close(r.fd)
				t.Fatalf("OpenQueueFileAt opened a %s", tc.kind)
			}
			var unsafe *qmailqueue.UnsafeFileError
			if !errors.As(r.err, &unsafe) || r.err.Error() != tc.want {
				t.Errorf("error %v, want %q", r.err, tc.want)
			}
			if !errors.Is(r.err, tc.errno) {
				t.Errorf("error %v does not wrap %v", r.err, tc.errno)
			}
		})
	}
	checkSecret(t, outside)
}

func TestOpenQueueFileAtInode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := qmailqueue.OpenQueueFile(path, 0, qmailqueue.MaxLinks)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if f, err = qmailqueue.OpenQueueFile(path, st.Ino, qmailqueue.MaxLinks); err != nil {
		t.Fatalf("the inode listed: %v", err)
	}
	f.Close()
	_, err = qmailqueue.OpenQueueFile(path, st.Ino+1, qmailqueue.MaxLinks)
	want := fmt.Sprintf("%s: was replaced after it was listed (inode %d, now %d); not read", path, st.Ino+1, st.Ino)
	if err == nil || err.Error() != want {
		t.Errorf("another inode: %v, want %q", err, want)
	}
	_, err = qmailqueue.OpenQueueFile(filepath.Join(dir, "none"), 0, qmailqueue.MaxLinks)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
	// The directory itself is not followed either.
	link := filepath.Join(t.TempDir(), "dirlink")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	_, err = qmailqueue.OpenQueueFile(filepath.Join(link, "f"), 0, qmailqueue.MaxLinks)
	if want := link + ": is a symbolic link, not a regular file; not followed"; err == nil || err.Error() != want {
		t.Errorf("a linked directory: %v, want %q", err, want)
	}
}

// TestScanHostileMess plants a link, a hard link, a FIFO, a directory and a
// socket where mess files belong: each message gets a problem naming it,
// the scan reading headers and bodies ends, and the outside file's content
// appears nowhere.
func TestScanHostileMess(t *testing.T) {
	outside := secret(t)
	b := queuetest.NewT(t, queuetest.Options{})
	kinds := []string{"symlink", "hardlink", "fifo", "dir", "socket"}
	want := map[string]string{
		"symlink":  "is a symbolic link, not a regular file; not followed",
		"hardlink": "has 2 hard links, qmail makes 1; not read (another name may be outside the queue)",
		"fifo":     "is a FIFO, not a regular file; not opened",
		"dir":      "is a directory, not a regular file; not opened",
		"socket":   "is a socket, not a regular file; not opened",
	}
	ids := map[uint64]string{}
	for _, k := range kinds {
		id, err := b.Add(queuetest.Message{Sender: k + "@x.test", Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}},
			Header: "Subject: " + k + "\n", Body: []byte("body\n")})
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = k
	}
	// Planted once every message is made: a freed inode would be reused.
	for id, k := range ids {
		plant(t, k, b.Path("mess", id), outside)
	}
	q := mustOpen(t, b.Dir())
	body := qmailqueue.NewFilter()
	body.Body = regexp.MustCompile("TOPSECRET|body")
	for _, opts := range []qmailqueue.ScanOptions{
		{Fields: all | qmailqueue.FieldHeader},
		{Fields: qmailqueue.FieldHeader},
		{Fields: all, Filter: body},
	} {
		msgs, _ := within(t, "Scan", func() scanResult {
			m, s := scanAll(t, q, opts)
			return scanResult{m, s}
		}).unpack()
		if opts.Filter != nil {
			if len(msgs) != 0 {
				t.Errorf("a body filter matched %d refused messages", len(msgs))
			}
			continue
		}
		if len(msgs) != len(kinds) {
			t.Fatalf("scan gave %d messages, want %d", len(msgs), len(kinds))
		}
		for _, m := range msgs {
			k := ids[m.ID]
			file := fmt.Sprintf("mess/%d/%d", m.Split, m.ID)
			if len(m.Problems) != 1 || m.Problems[0].File != file || m.Problems[0].Msg != want[k] || !m.Problems[0].Refused {
				t.Errorf("%s: problems %+v, want one on %s: %q", k, m.Problems, file, want[k])
			}
			if p, ok := m.Refusal(); !ok || p.File != file {
				t.Errorf("%s: Refusal() = %v, %v", k, p, ok)
			}
			if m.Header != nil && strings.Contains(m.Header.Text(), "TOPSECRET") {
				t.Errorf("%s: the header holds the outside file", k)
			}
		}
	}
	// By ID, as show does.
	for id, k := range ids {
		m := within(t, "Message", func() *qmailqueue.Message {
			m, err := q.Message(id, all|qmailqueue.FieldHeader)
			if err != nil {
				t.Errorf("Message(%d): %v", id, err)
			}
			return m
		})
		if m != nil && (len(m.Problems) != 1 || m.Problems[0].Msg != want[k]) {
			t.Errorf("Message %s: problems %+v", k, m.Problems)
		}
		_, err := within(t, "OpenMessage", func() scanErr {
			f, err := q.OpenMessage(id, 0)
			if err == nil {
				f.Close()
			}
			return scanErr{err}
		}).unpack()
		if err == nil || !strings.HasSuffix(err.Error(), want[k]) {
			t.Errorf("OpenMessage %s: %v", k, err)
		}
	}
	checkSecret(t, outside)
}

type scanResult struct {
	msgs  []*qmailqueue.Message
	stats qmailqueue.ScanStats
}

func (r scanResult) unpack() ([]*qmailqueue.Message, qmailqueue.ScanStats) { return r.msgs, r.stats }

type scanErr struct{ err error }

func (r scanErr) unpack() (struct{}, error) { return struct{}{}, r.err }

// TestRecordFileCap: a remote file of a million recipients is read up to
// MaxRecordFile, whole records only, with an EFBIG problem; the other
// messages are read as usual.
func TestRecordFileCap(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	big, err := b.Add(queuetest.Message{Sender: "big@x.test", Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}}})
	if err != nil {
		t.Fatal(err)
	}
	small, err := b.Add(queuetest.Message{Sender: "small@x.test", Recipients: []queuetest.Recipient{{Addr: "s@y.test", Remote: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var recs bytes.Buffer
	const n = 1_000_000
	for i := range n {
		fmt.Fprintf(&recs, "Trcpt-%d@big.example\x00", i)
	}
	path := b.Path("remote", big)
	if err := os.WriteFile(path, recs.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	q := mustOpen(t, b.Dir())
	msgs, _ := scanAll(t, q, qmailqueue.ScanOptions{Fields: all})
	got := byID(msgs)
	m := got[big]
	if len(m.Recipients) == 0 || len(m.Recipients) >= n {
		t.Fatalf("%d recipients read, want some and fewer than %d", len(m.Recipients), n)
	}
	last := m.Recipients[len(m.Recipients)-1].Address
	if want := fmt.Sprintf("rcpt-%d@big.example", len(m.Recipients)-1); last != want {
		t.Errorf("last recipient read %q, want the whole record %q", last, want)
	}
	file := fmt.Sprintf("remote/%d/%d", m.Split, big)
	want := fmt.Sprintf("%d bytes, over the 4 MiB qq reads of a record file; the records after that are not shown", recs.Len())
	if len(m.Problems) != 1 || m.Problems[0].File != file || m.Problems[0].Msg != want || m.Problems[0].Errno != unix.EFBIG {
		t.Errorf("problems %+v, want one on %s: %q (EFBIG)", m.Problems, file, want)
	}
	if s := got[small]; len(s.Problems) != 0 || len(s.Recipients) != 1 {
		t.Errorf("the other message: %+v", s)
	}
}

// TestBodyTextHugeHeader: a header block of a million fields, or with one
// line of several MiB, is read up to HeaderLimit only: BodyText ends at
// once with an error naming the header, and ParseHeader marks it truncated.
func TestBodyTextHugeHeader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header func(*bytes.Buffer)
	}{
		{"million-fields", func(b *bytes.Buffer) {
			for i := range 1_000_000 {
				fmt.Fprintf(b, "X-F%d: v\n", i)
			}
		}},
		{"4MiB-line", func(b *bytes.Buffer) {
			b.WriteString("X-Long: ")
			b.Write(bytes.Repeat([]byte("x"), 4<<20))
			b.WriteString("\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var msg bytes.Buffer
			msg.WriteString("Received: (qmail 1 invoked by uid 0); 21 Nov 2026 12:00:00 -0000\n")
			tc.header(&msg)
			msg.WriteString("Subject: at the end\n\nthe body\n")
			err := within(t, "BodyText", func() error {
				_, err := qmailqueue.BodyText(bytes.NewReader(msg.Bytes()), qmailqueue.MaxBodyRead)
				return err
			})
			if want := "message header: message: header exceeds maximum size"; err == nil || err.Error() != want {
				t.Errorf("BodyText: %v, want %q", err, want)
			}
			h, err := qmailqueue.ParseHeader(bytes.NewReader(msg.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !h.Truncated {
				t.Error("ParseHeader did not mark the header truncated")
			}
		})
	}
}

func TestHeaderTooLongIsAProblem(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	var h strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&h, "X-F%d: v\n", i)
	}
	id, err := b.Add(queuetest.Message{Sender: "a@x.test", Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}}, Header: h.String()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mustOpen(t, b.Dir()).Message(id, qmailqueue.FieldHeader)
	if err != nil {
		t.Fatal(err)
	}
	want := "header block longer than 64 KiB; only its first 64 KiB are read"
	if len(m.Problems) != 1 || m.Problems[0].Msg != want || m.Problems[0].Refused {
		t.Errorf("problems %+v, want %q", m.Problems, want)
	}
}

// TestScanLinkedSplitDir: a split subdirectory replaced by a link to a
// directory outside the queue is not listed: the scan stops with one error
// naming it, and no file there is read.
func TestScanLinkedSplitDir(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	if _, err := b.Add(queuetest.Message{Sender: "a@x.test", Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}}}); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "5"), []byte("FTOPSECRET\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(b.Dir(), "info", "5")
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, sub); err != nil {
		t.Fatal(err)
	}
	// Open already refuses the layout; a scan of a queue opened before the
	// link was planted stops at the directory.
	if _, err := qmailqueue.Open(b.Dir()); err == nil {
		t.Error("Open accepted a linked split subdirectory")
	}
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	q := mustOpen(t, b.Dir())
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, sub); err != nil {
		t.Fatal(err)
	}
	_, err := q.Scan(t.Context(), qmailqueue.ScanOptions{Fields: all}, func(m *qmailqueue.Message) error {
		if strings.Contains(m.Sender, "TOPSECRET") {
			t.Errorf("a file outside the queue was read: %q", m.Sender)
		}
		return nil
	})
	// O_DIRECTORY|O_NOFOLLOW on a link: ENOTDIR (ELOOP on some kernels).
	if !(errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)) || !strings.Contains(err.Error(), sub) {
		t.Errorf("Scan: %v, want an error naming %s", err, sub)
	}
}
