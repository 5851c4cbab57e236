package qmailqueue_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// TestOpenWithLifetime: the queue comes with control/queuelifetime's
// lifetime, the default without the file; a missing queue is
// fs.ErrNotExist, and an unreadable queuelifetime an error.
func TestOpenWithLifetime(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	control := t.TempDir()
	q, err := qmailqueue.OpenWithLifetime(b.Dir(), control)
	if err != nil || q.Lifetime != qmailqueue.DefaultLifetime {
		t.Fatalf("without queuelifetime: %v, %v; want the default", q, err)
	}
	if err := os.WriteFile(filepath.Join(control, "queuelifetime"), []byte("3600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if q, err = qmailqueue.OpenWithLifetime(b.Dir(), control); err != nil || q.Lifetime != time.Hour || q.Dir != b.Dir() {
		t.Errorf("queuelifetime 3600: %v, %v", q, err)
	}
	if _, err := qmailqueue.OpenWithLifetime(filepath.Join(t.TempDir(), "none"), control); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing queue: %v, want fs.ErrNotExist", err)
	}
	bad := t.TempDir()
	if err := os.Mkdir(filepath.Join(bad, "queuelifetime"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := qmailqueue.OpenWithLifetime(b.Dir(), bad); err == nil {
		t.Error("queuelifetime a directory: no error")
	}
}
