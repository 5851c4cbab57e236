package regularfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	if err := os.WriteFile(reg, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, fi, err := Open(reg, 0)
	if err != nil || fi.Size() != 1 {
		t.Fatalf("regular file: %v, %v", fi, err)
	}
	f.Close()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	// Returns at once (no writer would ever come) and says why.
	if _, _, err := Open(fifo, 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("FIFO: %v, want ErrNotRegular", err)
	}
	if _, _, err := Open(dir, 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory: %v, want ErrNotRegular", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(reg, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(link, syscall.O_NOFOLLOW); err == nil {
		t.Error("a symbolic link was followed despite O_NOFOLLOW")
	}
}

func TestReadAllCap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, _, err := ReadAll(p, 0, 10); err != nil || string(data) != "0123456789" {
		t.Errorf("at the cap: %q, %v", data, err)
	}
	if _, _, err := ReadAll(p, 0, 9); err == nil {
		t.Error("a file over the cap was read")
	}
}
