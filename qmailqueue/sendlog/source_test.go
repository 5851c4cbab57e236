package sendlog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenSource(t *testing.T) {
	stdin := strings.NewReader("@400000006661f5a0000000000 status: local 0/10 remote 0/20\n")
	l, err := OpenSource("-", stdin)
	if err != nil || l.Name() != "standard input" || l.Rereadable() {
		t.Errorf(`OpenSource("-") = %v, %v; want a stream named standard input`, l, err)
	}
	if l, err := OpenSource(sampleDir, nil); err != nil || l.Name() != sampleDir || len(l.Files()) == 0 {
		t.Errorf("OpenSource(dir) = %v, %v; want the multilog directory", l, err)
	}
	file := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(file, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if l, err := OpenSource(file, nil); err != nil || len(l.Files()) != 1 {
		t.Errorf("OpenSource(file) = %v, %v; want one file", l, err)
	}
	if _, err := OpenSource(filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenSource(missing) = %v, want ErrNotExist", err)
	}
}

func TestTrace(t *testing.T) {
	ctx := context.Background()
	l := openSample(t)
	hs, what, err := Trace(ctx, l, nil, "1001")
	if err != nil || what != "message 1001" || len(hs) != 2 {
		t.Errorf(`Trace("1001") = %d histories, %q, %v; want the two uses of 1001`, len(hs), what, err)
	}
	hs, what, err = Trace(ctx, l, nil, "alice@example.com")
	want, _ := TraceAddress(ctx, l, nil, "alice@example.com")
	if err != nil || what != "alice@example.com" || len(hs) != len(want) || len(hs) == 0 {
		t.Errorf("Trace(address) = %d histories, %q, %v; want %d", len(hs), what, err, len(want))
	}
	for _, bad := range []string{"0", "a b@example.com", "x\ty"} {
		var te *TargetError
		if _, _, err := Trace(ctx, l, nil, bad); !errors.As(err, &te) {
			t.Errorf("Trace(%q) = %v, want a *TargetError", bad, err)
		}
	}
}

func TestLastAttempts(t *testing.T) {
	ctx := context.Background()
	l := openSample(t)
	last, err := LastAttempts(ctx, l, nil, 2000, time.Time{})
	if err != nil || len(last) != 2 || last[0].Recipient != "dave@slow.example" || last[1].Recipient != "erin@example.net" {
		t.Errorf("LastAttempts(2000) = %v, %v; want dave's and erin's", last, err)
	}
	if last, err := LastAttempts(ctx, l, nil, 77, time.Time{}); err != nil || last != nil {
		t.Errorf("LastAttempts of a message not logged = %v, %v; want none and no error", last, err)
	}
}
