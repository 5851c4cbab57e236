package control

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeControl creates a control directory holding the given files.
func writeControl(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readControl(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAddToListKeepsTheRest(t *testing.T) {
	dir := writeControl(t, map[string]string{
		"badmailfrom": "# spammers, see ticket 42\n\nold@example.com\n  # indented\ncrlf@example.com\r\n@Evil.Example\nlast@example.com",
	})
	ctx := context.Background()
	ch, err := AddToList(ctx, dir, "badmailfrom", []string{"new@example.com", "@evil.example", "crlf@example.com", "new@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := ListChange{
		Added:   []string{"new@example.com"},
		Present: []ListEntry{{6, "@Evil.Example"}, {8, "new@example.com"}},
		Fixed:   []ListEntry{{5, "crlf@example.com"}},
		Changed: true,
	}
	if diff := cmp.Diff(want, ch); diff != "" {
		t.Errorf("change (-want +got):\n%s", diff)
	}
	wantFile := "# spammers, see ticket 42\n\nold@example.com\n  # indented\ncrlf@example.com\n@Evil.Example\nlast@example.com\nnew@example.com\n"
	if got := readControl(t, dir, "badmailfrom"); got != wantFile {
		t.Errorf("file:\n%q\nwant:\n%q", got, wantFile)
	}

	// Adding what is there changes nothing, not even the mtime.
	fi1, _ := os.Stat(filepath.Join(dir, "badmailfrom"))
	ch, err = AddToList(ctx, dir, "badmailfrom", []string{"old@example.com"})
	if err != nil || ch.Changed || len(ch.Present) != 1 {
		t.Errorf("re-add: %+v, %v", ch, err)
	}
	fi2, _ := os.Stat(filepath.Join(dir, "badmailfrom"))
	if !os.SameFile(fi1, fi2) {
		t.Errorf("an unchanged file was replaced")
	}

	ch, err = RemoveFromList(ctx, dir, "badmailfrom", []string{"OLD@example.com ", "nope@example.com", "@evil.example"})
	if err != nil {
		t.Fatal(err)
	}
	wantRm := ListChange{
		Removed: []ListEntry{{3, "old@example.com"}, {6, "@Evil.Example"}},
		Missing: []string{"nope@example.com"},
		Changed: true,
	}
	if diff := cmp.Diff(wantRm, ch); diff != "" {
		t.Errorf("remove (-want +got):\n%s", diff)
	}
	wantFile = "# spammers, see ticket 42\n\n  # indented\ncrlf@example.com\nlast@example.com\nnew@example.com\n"
	if got := readControl(t, dir, "badmailfrom"); got != wantFile {
		t.Errorf("file after rm:\n%q\nwant:\n%q", got, wantFile)
	}
}

func TestAddToListCreates(t *testing.T) {
	dir := t.TempDir()
	if _, err := AddToList(context.Background(), dir, "badmailfrom", []string{"a@b.example"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "badmailfrom"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}
	if got := readControl(t, dir, "badmailfrom"); got != "a@b.example\n" {
		t.Errorf("new file %q", got)
	}
	if _, err := AddToList(context.Background(), dir, "badmailfrom", []string{"a\nb@c"}); err == nil {
		t.Errorf("an entry with a newline was written")
	}
	if _, err := AddToList(context.Background(), dir, "../escape", []string{"a@b.example"}); err == nil {
		t.Errorf("a path outside the control directory was accepted")
	}
}

func TestSetMapEntry(t *testing.T) {
	dir := writeControl(t, map[string]string{
		"smtproutes": "# routes\nexample.com:old1\n:smarthost\nEXAMPLE.COM:old2\nother.org:x\n",
	})
	ctx := context.Background()
	ch, err := SetMapEntry(ctx, dir, "smtproutes", "example.com:relay.example.net:2525")
	if err != nil {
		t.Fatal(err)
	}
	want := MapChange{Entry: "example.com:relay.example.net:2525", Old: "EXAMPLE.COM:old2", Line: 4, Duplicates: []int{2}, Changed: true}
	if diff := cmp.Diff(want, ch); diff != "" {
		t.Errorf("change (-want +got):\n%s", diff)
	}
	if _, err := SetMapEntry(ctx, dir, "smtproutes", "new.example:relay"); err != nil {
		t.Fatal(err)
	}
	wantFile := "# routes\nexample.com:old1\n:smarthost\nexample.com:relay.example.net:2525\nother.org:x\nnew.example:relay\n"
	if got := readControl(t, dir, "smtproutes"); got != wantFile {
		t.Errorf("file %q, want %q", got, wantFile)
	}
	rm, err := RemoveMapKeys(ctx, dir, "smtproutes", []string{"Example.com", ":"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.Removed) != 3 || len(rm.Missing) != 0 {
		t.Errorf("remove %+v", rm)
	}
	if got := readControl(t, dir, "smtproutes"); got != "# routes\nother.org:x\nnew.example:relay\n" {
		t.Errorf("after remove: %q", got)
	}
}

func TestSetLineAndRemove(t *testing.T) {
	dir := writeControl(t, map[string]string{"queuelifetime": "604800\nnote for admins\n"})
	ctx := context.Background()
	ch, err := SetLine(ctx, dir, "queuelifetime", "86400")
	if err != nil || !ch.Changed || ch.Old != "604800" {
		t.Fatalf("SetLine = %+v, %v", ch, err)
	}
	if got := readControl(t, dir, "queuelifetime"); got != "86400\nnote for admins\n" {
		t.Errorf("file %q", got)
	}
	existed, err := Remove(ctx, dir, "queuelifetime")
	if err != nil || !existed {
		t.Fatalf("Remove = %v, %v", existed, err)
	}
	existed, err = Remove(ctx, dir, "queuelifetime")
	if err != nil || existed {
		t.Fatalf("second Remove = %v, %v", existed, err)
	}
}

func TestRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real")
	os.WriteFile(target, []byte("x@y.example\n"), 0o644)
	os.Symlink(target, filepath.Join(dir, "badmailfrom"))
	os.Mkdir(filepath.Join(dir, "rcpthosts"), 0o755)
	syscall.Mkfifo(filepath.Join(dir, "locals"), 0o644)
	ctx := context.Background()
	for _, name := range []string{"badmailfrom", "rcpthosts", "locals"} {
		_, err := AddToList(ctx, dir, name, []string{"a@b.example"})
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: error %v, want ErrNotRegular", name, err)
		}
	}
	if _, err := Remove(ctx, dir, "badmailfrom"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Remove of a symlink: %v", err)
	}
	if got := readControl(t, dir, "real"); got != "x@y.example\n" {
		t.Errorf("symlink target changed: %q", got)
	}
}

func TestKeepsOwnerAndMode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files another owner")
	}
	dir := writeControl(t, map[string]string{"rcpthosts": "example.com\n"})
	path := filepath.Join(dir, "rcpthosts")
	if err := os.Chown(path, 1234, 5678); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := AddToList(context.Background(), dir, "rcpthosts", []string{"example.org"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 1234 || st.Gid != 5678 || fi.Mode().Perm() != 0o640 {
		t.Errorf("after edit: owner %d:%d mode %v, want 1234:5678 0640", st.Uid, st.Gid, fi.Mode().Perm())
	}
}

// TestConcurrentWriters runs many writers at once: every entry must land.
func TestConcurrentWriters(t *testing.T) {
	dir := writeControl(t, map[string]string{"badmailfrom": "# keep me\n"})
	ctx := context.Background()
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := AddToList(ctx, dir, "badmailfrom", []string{fmt.Sprintf("w%d-%d@example.com", w, i)}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries := ParseList([]byte(readControl(t, dir, "badmailfrom")))
	if len(entries) != writers*each {
		t.Errorf("%d entries after %d concurrent adds", len(entries), writers*each)
	}
	if got := readControl(t, dir, "badmailfrom"); got[:10] != "# keep me\n" {
		t.Errorf("the comment was lost: %q", got[:10])
	}
}

func TestLockTimeout(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := AddToList(ctx, dir, "badmailfrom", []string{"a@b.example"}); !errors.Is(err, ErrLocked) {
		t.Errorf("error %v, want ErrLocked", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := LockDir(ctx, dir); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDetectsChangeBehindOurBack(t *testing.T) {
	dir := writeControl(t, map[string]string{"badmailfrom": "a@b.example\n"})
	path := filepath.Join(dir, "badmailfrom")
	cur, err := readCurrent(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.unchanged(path); err != nil {
		t.Fatalf("unchanged file reported: %v", err)
	}
	// An editor writes a new file and renames it over the old one.
	os.WriteFile(path+".new", []byte("a@b.example\nc@d.example\n"), 0o644)
	os.Rename(path+".new", path)
	if err := writeAtomic(path, []byte("lost update\n"), cur); !errors.Is(err, ErrChanged) {
		t.Errorf("error %v, want ErrChanged", err)
	}
	if got := readControl(t, dir, "badmailfrom"); got != "a@b.example\nc@d.example\n" {
		t.Errorf("the editor's change was overwritten: %q", got)
	}
	absent, _ := readCurrent(filepath.Join(dir, "new"))
	os.WriteFile(filepath.Join(dir, "new"), nil, 0o644)
	if err := absent.unchanged(filepath.Join(dir, "new")); !errors.Is(err, ErrChanged) {
		t.Errorf("a file created meanwhile: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "badmailfrom" && e.Name() != "new" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
