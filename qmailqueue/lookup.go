package qmailqueue

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ParseID parses a message ID as users type it: decimal digits, optionally
// preceded by "#" as qmail-qread prints it.
func ParseID(s string) (uint64, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "#")
	id, err := strconv.ParseUint(t, 10, 64)
	if err != nil || t == "" || t[0] == '+' {
		return 0, fmt.Errorf("bad message ID %q: want a decimal number such as 9995400", s)
	}
	return id, nil
}

// Message reads one message by ID, with the given fields, without scanning
// the queue. It returns an error wrapping ErrNotFound when none of mess,
// info or todo exists for id.
func (q *Queue) Message(id uint64, need Fields) (*Message, error) {
	d, err := q.openSplit(q.SplitOf(id), need)
	if err != nil {
		return nil, err
	}
	d.refs.Store(1)
	defer d.release()
	return q.messageIn(d, &reader{q: q, buf: make([]byte, 8192)}, id, need)
}

// messageIn is Message with the split subdirectory of id already open, so
// that a caller looking at many messages (Remove) opens each directory once.
// The files are looked up relative to d's descriptors; intd and bounce by
// path.
func (q *Queue) messageIn(d *splitDirs, r *reader, id uint64, need Fields) (*Message, error) {
	name := strconv.FormatUint(id, 10)
	exists := func(dirfd int, kind string) (bool, error) {
		var st unix.Stat_t
		var err error
		if dirfd >= 0 {
			err = unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		} else {
			err = unix.Lstat(q.Path(kind, id), &st)
		}
		if err == unix.ENOENT {
			return false, nil
		}
		if err != nil {
			return false, &os.PathError{Op: "lstat", Path: q.Path(kind, id), Err: err}
		}
		return true, nil
	}
	it := scanItem{id: id}
	for _, c := range []struct {
		dirfd int
		kind  string
		dst   *bool
	}{
		{d.mess, "mess", &it.inMess}, {d.info, "info", &it.inInfo}, {d.todo, "todo", &it.inTodo}, {-1, "intd", &it.inIntd},
		{d.local, "local", &it.inLocal}, {d.remote, "remote", &it.inRemote}, {-1, "bounce", &it.bouncing},
	} {
		ok, err := exists(c.dirfd, c.kind)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", id, err)
		}
		*c.dst = ok
	}
	if !it.inMess && !it.inInfo && !it.inTodo {
		return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	m, gone, err := r.read(d, it, need, nil)
	if err != nil {
		return nil, err
	}
	if gone {
		return nil, fmt.Errorf("message %d: %w (it left the queue just now)", id, ErrNotFound)
	}
	return m, nil
}
