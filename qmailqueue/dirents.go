package qmailqueue

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// listIDs returns the message IDs named in dir, in on-disk order (qmail's
// readsubdir order), skipping names that are not canonical IDs. It parses
// getdents(2) records directly: on a 100,000-message queue listing is most
// of what qq stat does, and a string per name would double its cost.
func listIDs(dir string) ([]uint64, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("read queue directory: %w", &os.PathError{Op: "open", Path: dir, Err: err})
	}
	defer unix.Close(fd)
	var ids []uint64
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read queue directory: %w", &os.PathError{Op: "getdents", Path: dir, Err: err})
		}
		if n <= 0 {
			return ids, nil
		}
		ids = appendDirentIDs(ids, buf[:n])
	}
}

// linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.
const direntNameOffset = int(unsafe.Offsetof(unix.Dirent{}.Name))

// appendDirentIDs parses a buffer of linux_dirent64 records.
func appendDirentIDs(ids []uint64, buf []byte) []uint64 {
	for len(buf) >= direntNameOffset {
		reclen := int(*(*uint16)(unsafe.Pointer(&buf[unsafe.Offsetof(unix.Dirent{}.Reclen)])))
		if reclen < direntNameOffset || reclen > len(buf) {
			return ids
		}
		name := buf[direntNameOffset:reclen]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if id, ok := parseIDBytes(name); ok {
			ids = append(ids, id)
		}
		buf = buf[reclen:]
	}
	return ids
}

// parseIDBytes is parseID on a byte slice, without allocating.
func parseIDBytes(name []byte) (uint64, bool) {
	if len(name) == 0 || len(name) > 20 || (name[0] == '0' && len(name) > 1) {
		return 0, false
	}
	var id uint64
	for _, c := range name {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if id > (1<<64-1-d)/10 {
			return 0, false
		}
		id = id*10 + d
	}
	return id, true
}
