package ui

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a bytes.Buffer safe for the renderer's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestProgressBar: a bar counts to its total and is drawn with its label; a nil
// bar does nothing.
func TestProgressBar(t *testing.T) {
	var out lockedBuffer
	b := StartProgressBar(&out, "removing", 3)
	for range 3 {
		b.Increment()
	}
	b.Stop()
	if got := out.String(); !strings.Contains(got, "removing") || !strings.Contains(got, "3") {
		t.Errorf("bar drew %q", got)
	}
	var none *ProgressBar
	none.Increment()
	none.Stop()
}
