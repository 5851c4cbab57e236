package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
	"golang.org/x/sys/unix"

	"github.com/qqmail/qq/internal/durable"
	"github.com/qqmail/qq/internal/regularfile"
)

// Errors of the write path.
var (
	// ErrNotRegular: the target exists but is a symlink, directory, FIFO
	// or device; qq replaces only regular files.
	ErrNotRegular = errors.New("not a regular file")
	// ErrChanged: the file was replaced or modified by someone who does not
	// take qq's lock (an editor) between qq's read and its rename.
	ErrChanged = errors.New("changed by another program while qq was editing it; try again")
	// ErrLocked: another qq held the control directory's lock until the
	// context's deadline.
	ErrLocked = errors.New("locked by another qq")
)

// newFileMode is the mode of a control file qq creates: what qmail's
// installation instructions give control files (readable by every qmail
// user, writable by root).
const newFileMode fs.FileMode = 0o644

// DirLock is qq's exclusive lock on a control directory: flock(2) of the
// directory itself. It serialises qq's writers; qmail takes no lock.
type DirLock struct {
	f *os.File
}

// LockDir takes the lock of dir, waiting while another qq holds it. It
// gives up when ctx is done: with [ErrLocked] after a deadline, with
// ctx.Err() when cancelled.
func LockDir(ctx context.Context, dir string) (*DirLock, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, fmt.Errorf("open control directory: %w", err)
	}
	delay := 5 * time.Millisecond
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return &DirLock{f: f}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", dir, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("lock %s: %w", dir, ErrLocked)
			}
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// Unlock releases the lock.
func (l *DirLock) Unlock() error {
	return l.f.Close() // closing the descriptor releases the flock
}

// checkName refuses names that are not a plain file name in the control
// directory.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return fmt.Errorf("%q is not a control file name", name)
	}
	return nil
}

// current is what qq read of a file before editing it: its content and the
// identity it checks again before replacing it.
type current struct {
	data   []byte
	info   fs.FileInfo // nil when the file did not exist
	exists bool
}

// readCurrent reads path without following a symlink, refusing anything
// but a regular file.
func readCurrent(path string) (current, error) {
	data, fi, err := regularfile.ReadAll(path, syscall.O_NOFOLLOW, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return current{}, nil
	}
	if errors.Is(err, syscall.ELOOP) {
		return current{}, fmt.Errorf("%s is a symlink: %w; edit the file it points to", path, ErrNotRegular)
	}
	if errors.Is(err, regularfile.ErrNotRegular) {
		return current{}, fmt.Errorf("%s is a %s: %w", path, typeName(fi.Mode()), ErrNotRegular)
	}
	if err != nil {
		return current{}, err
	}
	return current{data: data, info: fi, exists: true}, nil
}

// typeName names a non-regular file type for messages.
func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// unchanged reports whether path is still the file qq read.
func (c current) unchanged(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !c.exists {
			return nil
		}
		return fmt.Errorf("%s was removed: %w", path, ErrChanged)
	}
	if err != nil {
		return err
	}
	if !c.exists {
		return fmt.Errorf("%s was created: %w", path, ErrChanged)
	}
	a, okA := c.info.Sys().(*syscall.Stat_t)
	b, okB := fi.Sys().(*syscall.Stat_t)
	if !okA || !okB || a.Dev != b.Dev || a.Ino != b.Ino || a.Size != b.Size ||
		a.Mtim != b.Mtim || a.Ctim != b.Ctim {
		return fmt.Errorf("%s: %w", path, ErrChanged)
	}
	return nil
}

// writeAtomic replaces (or creates) path with data: a temporary file in the
// same directory with the old file's mode, owner and group (or mode 0644
// for a new file), fsync, a last check that the old file is unchanged,
// rename, fsync of the directory.
func writeAtomic(path string, data []byte, prev current) error {
	perm := newFileMode
	uid, gid := -1, -1
	if prev.exists {
		perm = prev.info.Mode().Perm()
		if st, ok := prev.info.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	dir := filepath.Dir(path)
	pf, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(perm))
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	defer pf.Cleanup()
	if err := keepOwner(pf.File, uid, gid, perm); err != nil {
		return fmt.Errorf("keep owner of %s: %w", path, err)
	}
	if _, err := pf.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := prev.unchanged(path); err != nil {
		return err
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return durable.SyncDir(dir)
}

// keepOwner gives f the owner uid:gid (unless negative) and then mode
// perm, which chown may have cleared bits of.
func keepOwner(f *os.File, uid, gid int, perm fs.FileMode) error {
	if uid < 0 {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid && int(st.Gid) == gid {
		return nil
	}
	if err := f.Chown(uid, gid); err != nil {
		return err
	}
	return f.Chmod(perm)
}

// Update edits the named file of the control directory dir under qq's
// lock. edit receives the current content (exists false when the file is
// absent) and returns the new content; when that equals the old content,
// or is empty for an absent file, nothing is written and changed is false
// (an empty rcpthosts would reject every recipient, unlike an absent
// one). The file is replaced as the package documentation describes.
// After a change of morercpthosts, morercpthosts.cdb is rebuilt as
// qmail-newmrh would, under the same lock.
func Update(ctx context.Context, dir, name string, edit func(old []byte, exists bool) ([]byte, error)) (changed bool, err error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	lock, err := LockDir(ctx, dir)
	if err != nil {
		return false, err
	}
	defer lock.Unlock()
	path := filepath.Join(dir, name)
	cur, err := readCurrent(path)
	if err != nil {
		return false, err
	}
	data, err := edit(cur.data, cur.exists)
	if err != nil {
		return false, err
	}
	if cur.exists && bytes.Equal(data, cur.data) || !cur.exists && len(data) == 0 {
		return false, nil
	}
	if err := writeAtomic(path, data, cur); err != nil {
		return false, err
	}
	if name == "morercpthosts" {
		if _, err := buildMoreRcptHosts(dir); err != nil {
			return true, fmt.Errorf("morercpthosts written, but rebuilding morercpthosts.cdb failed: %w", err)
		}
	}
	return true, nil
}

// Remove deletes the named control file under qq's lock, so that qmail
// falls back to its default. existed is false when there was no file.
// Only a regular file is removed.
func Remove(ctx context.Context, dir, name string) (existed bool, err error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	lock, err := LockDir(ctx, dir)
	if err != nil {
		return false, err
	}
	defer lock.Unlock()
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("%s is a %s: %w", path, typeName(fi.Mode()), ErrNotRegular)
	}
	if err := os.Remove(path); err != nil {
		return false, err
	}
	return true, durable.SyncDir(dir)
}
