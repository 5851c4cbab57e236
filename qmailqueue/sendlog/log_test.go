package sendlog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qqmail/qq/tai64n"
)

// sampleDir is the realistic multilog directory shared with the scripts:
// two rotated files (one .s, one .u cut short) and current.
const sampleDir = "../../testdata/log/qmail-send"

func readLines(t *testing.T, l *Log, opt ReadOptions) []string {
	t.Helper()
	var out []string
	for line, err := range l.Lines(context.Background(), opt) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(line.Bytes))
	}
	return out
}

func TestDirFiles(t *testing.T) {
	files, err := DirFiles(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Path))
	}
	want := []string{"@40000000665ae354075bcbf4.s", "@40000000665ae4f4075bcbf4.u", "current"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("DirFiles (-want +got):\n%s", diff)
	}
	if !files[0].IsRotated || files[0].Unsafe || !files[1].Unsafe || files[2].IsRotated {
		t.Errorf("flags wrong: %+v", files)
	}
	if got := files[0].Rotated.Time().Format(time.RFC3339); got != "2024-06-01T09:00:58Z" {
		t.Errorf("rotation time = %s", got)
	}
}

func TestOpen(t *testing.T) {
	l, err := Open(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Name() != sampleDir || !l.Rereadable() || len(l.Files()) != 3 {
		t.Errorf("Open(dir) = %q, rereadable %v, %d files", l.Name(), l.Rereadable(), len(l.Files()))
	}
	lines := readLines(t, l, ReadOptions{})
	if len(lines) != 99 {
		t.Errorf("read %d lines, want 99", len(lines))
	}
	// The .u file ends in a cut line without a newline: it is still read.
	if got := lines[len(lines)-24]; got != "@40000000665aed40000" {
		t.Errorf("cut line = %q", got)
	}
	f, err := Open(filepath.Join(sampleDir, "current"))
	if err != nil || len(readLines(t, f, ReadOptions{})) != 23 {
		t.Errorf("Open(file): %v", err)
	}
	if _, err := Open(filepath.Join(sampleDir, "nonexistent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
	if _, err := OpenDir(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenDir(empty) = %v", err)
	}
	s := FromReader("stdin", strings.NewReader("a\nb"))
	if s.Rereadable() || s.Files() != nil {
		t.Error("a stream is not rereadable")
	}
	if diff := cmp.Diff([]string{"a", "b"}, readLines(t, s, ReadOptions{})); diff != "" {
		t.Error(diff)
	}
}

func TestReadOptions(t *testing.T) {
	l, err := OpenDir(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	all := readLines(t, l, ReadOptions{})
	first := all[0]
	cur := readLines(t, l, ReadOptions{CurrentOnly: true})
	if len(cur) != 23 || cur[0] != all[len(all)-23] {
		t.Errorf("CurrentOnly read %d lines", len(cur))
	}
	// Since after the first rotation skips the first file.
	since := readLines(t, l, ReadOptions{Since: time.Date(2024, 6, 1, 9, 5, 0, 0, time.UTC)})
	if len(since) != len(all)-34 || since[0] == first {
		t.Errorf("Since read %d lines of %d", len(since), len(all))
	}
	// Until before the first rotation skips the later files.
	until := readLines(t, l, ReadOptions{Until: time.Date(2024, 6, 1, 9, 0, 30, 0, time.UTC)})
	if len(until) != 34 {
		t.Errorf("Until read %d lines", len(until))
	}
}

// TestLinesAcrossRotation rotates current while the directory is being
// read: the old current's lines are read from the rotated file.
func TestLinesAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "@400000006000000000000000.s"), "one\n")
	writeFile(t, filepath.Join(dir, "current"), "two\n")
	l, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for line, err := range l.Lines(context.Background(), ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(line.Bytes))
		if len(got) == 1 {
			// multilog rotates: current becomes @….s, a new current starts.
			if err := os.Rename(filepath.Join(dir, "current"), filepath.Join(dir, "@400000006000000100000000.s")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "current"), "three\n")
		}
	}
	if diff := cmp.Diff([]string{"one", "two", "three"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", MaxLineLength+10)
	l := FromReader("stdin", strings.NewReader(long+"\nshort\n"+long))
	var got []string
	var truncated []bool
	for line, err := range l.Lines(context.Background(), ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(line.Bytes))
		truncated = append(truncated, line.Truncated)
	}
	if len(got) != 3 || len(got[0]) != MaxLineLength || got[1] != "short" || len(got[2]) != MaxLineLength {
		t.Fatalf("lines of %d, %q, %d bytes", len(got[0]), got[1], len(got[2]))
	}
	if diff := cmp.Diff([]bool{true, false, true}, truncated); diff != "" {
		t.Error(diff)
	}
}

func TestLinesCancelled(t *testing.T) {
	l, err := OpenDir(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range l.Lines(ctx, ReadOptions{}) {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		return
	}
	t.Fatal("no error from a cancelled read")
}

func TestSelectFiles(t *testing.T) {
	at := func(sec int64) File { return File{Path: "f", Rotated: tai64n.Label{Sec: sec}, IsRotated: true} }
	files := []File{at(100), at(200), at(300), {Path: "current"}}
	count := func(opt ReadOptions) int { return len(selectFiles(files, opt)) }
	if n := count(ReadOptions{Since: time.Unix(150, 0)}); n != 3 {
		t.Errorf("since 150: %d files", n)
	}
	if n := count(ReadOptions{Since: time.Unix(301, 0)}); n != 1 {
		t.Errorf("since 301: %d files", n)
	}
	if n := count(ReadOptions{Until: time.Unix(150, 0)}); n != 2 {
		t.Errorf("until 150: %d files", n)
	}
	if n := count(ReadOptions{Until: time.Unix(50, 0)}); n != 1 {
		t.Errorf("until 50: %d files", n)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

// TestFollowRefusesFIFO: a FIFO named current in a multilog directory
// (which the log user writes) is never waited on: listing skips it, and
// following it is refused at once.
func TestFollowRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	rotated := filepath.Join(dir, "@400000006b0187cf00000000.s")
	if err := os.WriteFile(rotated, []byte("@400000006b0187cf00000000 status: local 0/10 remote 0/20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "current"), 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	l, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got error
	for _, err := range l.Follow(ctx, ReadOptions{}, 10*time.Millisecond) {
		if err != nil {
			got = err
			break
		}
	}
	if got == nil || !strings.Contains(got.Error(), "not a regular file") {
		t.Errorf("error %v, want one saying current is not a regular file (a deadline error means it hung)", got)
	}
}
