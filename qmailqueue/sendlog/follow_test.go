package sendlog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// follower runs Log.Follow in the background and collects its lines.
type follower struct {
	mu    sync.Mutex
	lines []string
	err   error
	done  chan struct{}
}

// startFollow opens path (a directory or a file) and follows it in the
// background until the returned function cancels the follow.
func startFollow(t *testing.T, path string, opt ReadOptions) (*follower, context.CancelFunc) {
	t.Helper()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &follower{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for line, err := range l.Follow(ctx, opt, 2*time.Millisecond) {
			f.mu.Lock()
			if err != nil {
				f.err = err
				f.mu.Unlock()
				return
			}
			f.lines = append(f.lines, string(line.Bytes))
			f.mu.Unlock()
		}
	}()
	return f, cancel
}

// multilogDir makes a directory with one rotated file holding "old" and,
// unless current is "", a current file.
func multilogDir(t *testing.T, current string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "@400000006000000000000000.s"), "old\n")
	if current != "" {
		writeFile(t, filepath.Join(dir, "current"), current)
	}
	return dir
}

// waitFor waits until the follower has read want, or fails after a
// generous deadline (the test never sleeps for a fixed time).
func (f *follower) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		f.mu.Lock()
		got := append([]string(nil), f.lines...)
		err := f.err
		f.mu.Unlock()
		if err != nil {
			t.Fatalf("follow: %v", err)
		}
		if cmp.Equal(want, got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("follow read (-want +got):\n%s", cmp.Diff(want, got))
		}
		time.Sleep(time.Millisecond)
	}
}

// stop cancels the follow and checks that it ends promptly with the
// context's error.
func (f *follower) stop(t *testing.T, cancel context.CancelFunc) {
	t.Helper()
	cancel()
	select {
	case <-f.done:
	case <-time.After(20 * time.Second):
		t.Fatal("Follow did not stop after cancellation")
	}
	if !errors.Is(f.err, context.Canceled) {
		t.Errorf("Follow ended with %v, want context.Canceled", f.err)
	}
}

func TestFollowDirectory(t *testing.T) {
	dir := multilogDir(t, "one\n")
	current := filepath.Join(dir, "current")
	f, cancel := startFollow(t, dir, ReadOptions{})
	f.waitFor(t, "old", "one")

	appendFile(t, current, "two\npart")
	f.waitFor(t, "old", "one", "two") // a partial line waits for its newline
	appendFile(t, current, "ial\n")
	f.waitFor(t, "old", "one", "two", "partial")

	// multilog rotates: the rest of the old current is read from the
	// renamed file, then the new current.
	appendFile(t, current, "three\n")
	if err := os.Rename(current, filepath.Join(dir, "@400000006000000100000000.s")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a moment without current
	writeFile(t, current, "four\n")
	f.waitFor(t, "old", "one", "two", "partial", "three", "four")
	appendFile(t, current, "five\n")
	f.waitFor(t, "old", "one", "two", "partial", "three", "four", "five")
	f.stop(t, cancel)
}

func TestFollowCurrentOnly(t *testing.T) {
	dir := multilogDir(t, "one\n")
	f, cancel := startFollow(t, dir, ReadOptions{CurrentOnly: true})
	f.waitFor(t, "one")
	appendFile(t, filepath.Join(dir, "current"), "two\n")
	f.waitFor(t, "one", "two")
	f.stop(t, cancel)
}

func TestFollowFileTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "send.log")
	writeFile(t, path, "one\ntwo\n")
	f, cancel := startFollow(t, path, ReadOptions{})
	f.waitFor(t, "one", "two")
	// copytruncate-style rotation: the file shrinks in place.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	appendFile(t, path, "x\n")
	f.waitFor(t, "one", "two", "x")
	f.stop(t, cancel)
}

func TestFollowStream(t *testing.T) {
	l := FromReader("stdin", strings.NewReader("a\nb"))
	var got []string
	for line, err := range l.Follow(context.Background(), ReadOptions{}, time.Millisecond) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(line.Bytes))
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Error(diff)
	}
}

// TestFollowStopsWhileWaiting cancels a follow that waits for a current
// that does not exist yet.
func TestFollowStopsWhileWaiting(t *testing.T) {
	f, cancel := startFollow(t, multilogDir(t, ""), ReadOptions{})
	f.waitFor(t, "old")
	f.stop(t, cancel)
}
