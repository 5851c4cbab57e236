// Package regularfile opens files that must be regular files (a cdb, a
// multilog file) without ever waiting on a FIFO planted in their place.
package regularfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by Open's error for anything but a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path read-only with O_NONBLOCK (so a FIFO does not block the
// open) plus extra flags (syscall.O_NOFOLLOW, say), and returns it with its
// fstat only if it is a regular file. Otherwise the error wraps
// ErrNotRegular and names the file's type, and the FileInfo (with no file)
// is still returned for callers that word their own message.
func Open(path string, extra int) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|extra, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fi, fmt.Errorf("%s is %w (%s); not read", path, ErrNotRegular, fi.Mode().Type())
	}
	return f, fi, nil
}

// ReadAll reads a whole regular file opened as [Open] does, at most limit
// bytes: a longer file is an error rather than unbounded memory.
func ReadAll(path string, extra int, limit int64) ([]byte, fs.FileInfo, error) {
	f, fi, err := Open(path, extra)
	if err != nil {
		return nil, fi, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, fi, fmt.Errorf("%s is %d bytes, over the %d qq reads", path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fi, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fi, fmt.Errorf("%s grew over the %d bytes qq reads", path, limit)
	}
	return data, fi, nil
}
