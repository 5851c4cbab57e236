package qmailqueue_test

import (
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

func TestReadBodyAndExtractPartLimited(t *testing.T) {
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
