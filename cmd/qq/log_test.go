package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/cmd/internal/cmdutil"
)

// lockedBuffer is a buffer a running command writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// background runs qq in a goroutine with ctx; the returned channel gets
// its exit code.
func background(ctx context.Context, stdin *os.File, stdout, stderr *lockedBuffer, args ...string) <-chan int {
	code := make(chan int, 1)
	getenv := func(k string) string {
		if k == "TZ" {
			return "UTC"
		}
		return ""
	}
	go func() { code <- run(ctx, args, stdin, stdout, stderr, getenv) }()
	return code
}

// waitOutput waits until out is want, failing after a generous deadline;
// the test never depends on how long a step takes.
func waitOutput(t *testing.T, out *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for out.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("output (-want +got):\n%s", cmp.Diff(want, out.String()))
		}
		time.Sleep(time.Millisecond)
	}
}

// waitExit cancels a background command and checks it exits 130 at once
// and silently.
func waitExit(t *testing.T, cancel context.CancelFunc, code <-chan int, stderr *lockedBuffer) {
	t.Helper()
	cancel()
	select {
	case c := <-code:
		if c != cmdutil.ExitInterrupted {
			t.Errorf("exit code %d, want %d; stderr %q", c, cmdutil.ExitInterrupted, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the command did not stop when interrupted")
	}
	if stderr.String() != "" {
		t.Errorf("stderr %q", stderr.String())
	}
}

const (
	line1 = "@40000000665ae00000000000 new msg 10\n"
	line2 = "@40000000665ae00100000000 info msg 10: bytes 5 from <a@example.com> qp 7 uid 0\n"
	line3 = "@40000000665ae00200000000 starting delivery 1: msg 10 to remote b@example.net\n"
	line4 = "@40000000665ae00300000000 delivery 1: deferral: try_later/\n"
	line5 = "@40000000665ae00400000000 end msg 10\n"
	out1  = "2024-06-01 08:46:46.000000000 new msg 10\n"
	out2  = "2024-06-01 08:46:47.000000000 info msg 10: bytes 5 from <a@example.com> qp 7 uid 0\n"
	out3  = "2024-06-01 08:46:48.000000000 starting delivery 1: msg 10 to remote b@example.net\n"
	out4  = "2024-06-01 08:46:49.000000000 delivery 1: deferral: try_later/\n"
	out5  = "2024-06-01 08:46:50.000000000 end msg 10\n"
)

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// TestLogFollow follows current across a rotation, with filters, and
// stops promptly when interrupted.
func TestLogFollow(t *testing.T) {
	dir := t.TempDir()
	current := filepath.Join(dir, "current")
	appendTo(t, filepath.Join(dir, "@40000000665adf0000000000.s"), "@40000000665adf0000000000 new msg 9\n")
	appendTo(t, current, line1+line2+line3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	code := background(ctx, nil, &stdout, &stderr, "log", "-f", "-n", "2", "--interval", "2ms", dir)
	// Like tail -f: the last two lines of current, then new lines.
	waitOutput(t, &stdout, out2+out3)
	appendTo(t, current, line4)
	waitOutput(t, &stdout, out2+out3+out4)
	if err := os.Rename(current, filepath.Join(dir, "@40000000665ae00500000000.s")); err != nil {
		t.Fatal(err)
	}
	appendTo(t, current, line5)
	waitOutput(t, &stdout, out2+out3+out4+out5)
	waitExit(t, cancel, code, &stderr)
}

// TestLogFollowFiltered holds a starting delivery line until its result
// decides, while following.
func TestLogFollowFiltered(t *testing.T) {
	dir := t.TempDir()
	current := filepath.Join(dir, "current")
	appendTo(t, current, line1+line2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	code := background(ctx, nil, &stdout, &stderr, "log", "-f", "--since", "2024-06-01", "--outcome", "deferral", "--interval", "2ms", dir)
	appendTo(t, current, line3)
	time.Sleep(20 * time.Millisecond)
	if got := stdout.String(); got != "" {
		t.Fatalf("printed %q before the result", got)
	}
	appendTo(t, current, line4+line5)
	waitOutput(t, &stdout, out3+out4)
	waitExit(t, cancel, code, &stderr)
}

// TestTai64nlocalInterrupted interrupts the filter while it waits on a
// pipe: it must have flushed what it read, and stop at once.
func TestTai64nlocalInterrupted(t *testing.T) {
	for _, cmd := range []string{"tai64nlocal", "tai64n"} {
		t.Run(cmd, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr lockedBuffer
			code := background(ctx, r, &stdout, &stderr, cmd)
			if _, err := w.WriteString(line1); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(stdout.String(), "new msg 10\n") {
				if time.Now().After(deadline) {
					t.Fatalf("nothing written while waiting for input: %q", stdout.String())
				}
				time.Sleep(time.Millisecond)
			}
			if cmd == "tai64nlocal" && stdout.String() != out1 {
				t.Errorf("output %q, want %q", stdout.String(), out1)
			}
			waitExit(t, cancel, code, &stderr)
		})
	}
}
