package ctxio

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReaderReadsEverything(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	want := strings.Repeat("line of text\n", 20000) // several pump buffers
	go func() {
		io.WriteString(pw, want)
		pw.Close()
	}()
	got, err := io.ReadAll(Reader(context.Background(), pr))
	if err != nil || string(got) != want {
		t.Fatalf("read %d bytes, err %v; want %d bytes", len(got), err, len(want))
	}
	got, err = io.ReadAll(Reader(context.Background(), strings.NewReader("in memory")))
	if err != nil || string(got) != "in memory" {
		t.Fatalf("in-memory reader: %q, %v", got, err)
	}
}

func TestReaderEndsOnCancel(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close() // nothing is ever written: a read would block
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, pr)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read did not end when the context was cancelled")
	}
	if _, err := Reader(ctx, strings.NewReader("x")).Read(make([]byte, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("in-memory read after cancel: %v", err)
	}
}
