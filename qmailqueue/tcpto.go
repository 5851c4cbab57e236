package qmailqueue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// TCPTOSize is the size of lock/tcpto: 64 records of 16 bytes (docs/queue.md §1.4,
// §6.2).
const TCPTOSize = 1024

// TCPTimeout is one record of lock/tcpto: a remote host qmail-remote
// connected to in vain. With Count ≥ 2 and the last timeout recent,
// qmail-remote skips the host for an hour or so (docs/queue.md §6.2).
type TCPTimeout struct {
	IP    netip.Addr
	Count int       // recent timeouts, 1..10
	Last  time.Time // time of the last timeout
}

// ParseTCPTO decodes the records of a tcpto file that are in use (count
// ≥ 1), as qmail-tcpto prints them: IPv4 address in bytes 0–3, count in
// byte 4, time of the last timeout little-endian in bytes 8–11. Only the
// first 1024 bytes count, and a trailing partial record is ignored.
func ParseTCPTO(b []byte) []TCPTimeout {
	if len(b) > TCPTOSize {
		b = b[:TCPTOSize]
	}
	var out []TCPTimeout
	for len(b) >= 16 {
		rec := b[:16]
		b = b[16:]
		if rec[4] == 0 {
			continue
		}
		out = append(out, TCPTimeout{
			IP:    netip.AddrFrom4([4]byte(rec[0:4])),
			Count: int(rec[4]),
			Last:  time.Unix(int64(binary.LittleEndian.Uint32(rec[8:12])), 0),
		})
	}
	return out
}

// ReadTCPTO reads the records in use of the tcpto file at path (the
// queue's lock/tcpto), without taking its lock, as qmail-tcpto does.
func ReadTCPTO(path string) ([]TCPTimeout, error) {
	// qmailr owns it: a link or a FIFO planted there is refused, never
	// followed or waited on.
	f, err := OpenQueueFile(path, 0, MaxLinks)
	if err != nil {
		return nil, fmt.Errorf("read tcpto: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, TCPTOSize))
	if err != nil {
		return nil, fmt.Errorf("read tcpto: %w", err)
	}
	return ParseTCPTO(b), nil
}

// ClearTCPTO empties the tcpto file at path exactly as qmail-tcpok does
// (docs/queue.md §6.2, §10 rule 10): it opens the existing file write-only, without
// O_CREAT or O_TRUNC, takes flock LOCK_EX (waiting, like lock_ex, until
// qmail-remote lets go, or until ctx ends), writes 1024 NUL bytes at offset
// 0 and closes it, which releases the lock. The file keeps its inode, owner,
// mode and size; it is never truncated or replaced. A path that is not a
// regular file is refused.
func ClearTCPTO(ctx context.Context, path string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("clear tcpto: %w", &os.PathError{Op: "open", Path: path, Err: err})
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("clear tcpto: %w", &os.PathError{Op: "fstat", Path: path, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("clear tcpto: %s is not a regular file; qmail's hier.c makes it 1024 NUL bytes", path)
	}
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && err != unix.EINTR {
			return fmt.Errorf("clear tcpto: %w", &os.PathError{Op: "flock", Path: path, Err: err})
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("clear tcpto: waiting for the lock on %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	zero := make([]byte, TCPTOSize)
	for off := 0; off < len(zero); {
		n, err := unix.Pwrite(fd, zero[off:], int64(off))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("clear tcpto: %w", &os.PathError{Op: "write", Path: path, Err: err})
		}
		off += n
	}
	return nil
}

// TCPOK does to the queue's lock/tcpto what qmail-tcpok does
// ([ClearTCPTO]) and returns the file's path and the records that were in
// use before ([ReadTCPTO]): the remote hosts qmail-remote skips no more.
func (q *Queue) TCPOK(ctx context.Context) (path string, cleared []TCPTimeout, err error) {
	path = filepath.Join(q.Dir, "lock", "tcpto")
	if cleared, err = ReadTCPTO(path); err != nil {
		return path, nil, err
	}
	return path, cleared, ClearTCPTO(ctx, path)
}
