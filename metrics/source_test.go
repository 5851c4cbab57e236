package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/qqmail/qq/qmailqueue/report"
)

// testSource is a Source over a queue of two messages from one sender.
func testSource(t *testing.T, send *Send, sendErr error) (*Source, *[]string) {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	for range 2 {
		msg := queuetest.Message{Sender: "a@example.org", Recipients: []queuetest.Recipient{{Addr: "r@example.net", Remote: true}}}
		if _, err := b.Add(msg); err != nil {
			t.Fatal(err)
		}
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	now := time.Now()
	return &Source{Queue: q, Senders: report.KeySender, SenderMin: 1, SenderMax: 5, Now: func() time.Time { return now },
		Send: func() (*Send, error) { return send, sendErr }, Warn: func(s string) { warnings = append(warnings, s) }}, &warnings
}

func TestSourceWriteFile(t *testing.T) {
	since := time.Now().Add(-time.Minute)
	s, warnings := testSource(t, &Send{Supervised: true, Up: true, Since: since}, nil)
	path := filepath.Join(t.TempDir(), "qq.prom")
	if err := s.WriteFile(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`qmail_queue_sender_messages{sender="a@example.org"} 2`, "qmail_send_up 1\n"} {
		if !strings.Contains(string(b), line) {
			t.Errorf("no %q in\n%s", line, b)
		}
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings %q", *warnings)
	}
	if err := s.WriteFile(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Error("WriteFile into a missing directory: no error")
	}
}

func TestSourceHandler(t *testing.T) {
	s, warnings := testSource(t, nil, errors.New("garbled"))
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ContentType {
		t.Errorf("GET /metrics: %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	// qmail-send's state could not be read: a warning, and no qmail_send_*.
	if len(*warnings) != 1 || (*warnings)[0] != "qmail-send: garbled" {
		t.Errorf("warnings %q", *warnings)
	}
	if resp, err := http.Get(srv.URL + "/nothing"); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET /nothing: %v, %v", resp, err)
	}
	// A queue that is gone: a 500 and a warning.
	s.Queue.Dir = filepath.Join(t.TempDir(), "gone")
	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.HasPrefix((*warnings)[len(*warnings)-1], "scrape: ") {
		t.Errorf("GET /metrics of a vanished queue: %s, warnings %q", resp.Status, *warnings)
	}
}

// TestSourceServe: Serve answers scrapes on its listener until the context
// ends, then returns nil with the port closed.
func TestSourceServe(t *testing.T) {
	s, _ := testSource(t, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ContentType {
		t.Errorf("GET /metrics: %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancellation: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return on cancellation")
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("still listening after cancellation")
	}
}

// TestSourceServeClosedListener: a server that cannot serve says why.
func TestSourceServeClosedListener(t *testing.T) {
	s, _ := testSource(t, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := s.Serve(context.Background(), ln); err == nil {
		t.Error("Serve on a closed listener returned nil")
	}
}
