package qmailqueue_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// helloQueue returns a queue holding one message, whose body is "hello,
// world\n", and its ID.
func helloQueue(t *testing.T) (*qmailqueue.Queue, uint64) {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{})
	id, err := b.Add(queuetest.Message{Sender: "s@x.example", Recipients: []queuetest.Recipient{{Addr: "r@y.example", Remote: true}},
		Header: "Subject: hi\n", Body: []byte("hello, world\n")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return q, id
}

func TestReadBodyAndExtractPartLimited(t *testing.T) {
	q, id := helloQueue(t)
	m, err := q.Message(id, qmailqueue.FieldEnvelope|qmailqueue.FieldHeader)
	if err != nil {
		t.Fatal(err)
	}
	body, err := q.ReadBody(m)
	if err != nil || !strings.HasPrefix(body, "hello, world\n") {
		t.Errorf("ReadBody = %q, %v", body, err)
	}
	m.Problems = append(m.Problems, qmailqueue.Problem{File: "mess/1/2", Msg: "a link", Refused: true})
	if body, err := q.ReadBody(m); body != "" || err != nil {
		t.Errorf("ReadBody of a refused mess file = %q, %v; want nothing", body, err)
	}

	for _, tc := range []struct {
		limit int64
		text  string
		cut   bool
	}{{5, "hello", true}, {1 << 10, "hello, world\n", false}} {
		f, err := q.OpenMessage(id, 0)
		if err != nil {
			t.Fatal(err)
		}
		p, text, cut, err := qmailqueue.ExtractPartLimited(f, "1", tc.limit)
		f.Close()
		if err != nil || text != tc.text || cut != tc.cut || p.Type != "text/plain" {
			t.Errorf("limit %d: part %q, text %q, cut %v, err %v; want %q, cut %v", tc.limit, p.Type, text, cut, err, tc.text, tc.cut)
		}
	}
	f, err := q.OpenMessage(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, _, err := qmailqueue.ExtractPartLimited(f, "7", 10); err == nil {
		t.Error("part 7 of a one-part message: no error")
	}
}

func TestCopyMessageAndWritePart(t *testing.T) {
	q, id := helloQueue(t)
	raw, err := os.ReadFile(q.Path("mess", id))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := q.CopyMessage(&out, id); err != nil || out.String() != string(raw) {
		t.Errorf("CopyMessage = %q, %v; want the mess file %q", out.String(), err, raw)
	}
	out.Reset()
	if err := q.WritePart(&out, id, "1"); err != nil || out.String() != "hello, world\n" {
		t.Errorf("WritePart(1) = %q, %v", out.String(), err)
	}
	var pe *qmailqueue.PartError
	if err := q.WritePart(io.Discard, id, "7"); !errors.As(err, &pe) || pe.ID != id || !strings.Contains(err.Error(), "no part 7") {
		t.Errorf("WritePart(7) = %v, want a *PartError saying there is no part 7", err)
	}
	if p, text, cut, err := q.PartText(id, "1", 5); err != nil || text != "hello" || !cut || p.Type != "text/plain" {
		t.Errorf("PartText(1, 5) = %q, %q, %v, %v; want hello, cut", p.Type, text, cut, err)
	}
	if _, _, _, err := q.PartText(id, "7", 5); !errors.As(err, &pe) {
		t.Errorf("PartText(7) = %v, want a *PartError", err)
	}

	// A message not in the queue, whatever is asked of it.
	missing := id + 1000
	for name, err := range map[string]error{
		"CopyMessage": q.CopyMessage(io.Discard, missing),
		"WritePart":   q.WritePart(io.Discard, missing, "1"),
	} {
		if !errors.Is(err, qmailqueue.ErrNotFound) || errors.As(err, &pe) {
			t.Errorf("%s of a missing message = %v, want ErrNotFound", name, err)
		}
	}
	if _, _, _, err := q.PartText(missing, "1", 5); !errors.Is(err, qmailqueue.ErrNotFound) {
		t.Errorf("PartText of a missing message = %v, want ErrNotFound", err)
	}

	// A mess file that is a link is refused before a byte is written.
	path := q.Path("mess", id)
	if err := os.Rename(path, path+".real"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path+".real", path); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	var unsafe *qmailqueue.UnsafeFileError
	if err := q.CopyMessage(&out, id); !errors.As(err, &unsafe) || out.Len() != 0 {
		t.Errorf("CopyMessage of a link = %v, wrote %q; want an *UnsafeFileError and nothing written", err, out.String())
	}
}
