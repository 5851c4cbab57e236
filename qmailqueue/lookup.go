package qmailqueue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
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
	exists := func(kind string) (bool, error) {
		_, err := os.Lstat(q.Path(kind, id))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	var it scanItem
	it.id = id
	var inMess bool
	for _, c := range []struct {
		kind string
		dst  *bool
	}{
		{"mess", &inMess}, {"info", &it.inInfo}, {"todo", &it.inTodo}, {"intd", &it.inIntd},
		{"local", &it.inLocal}, {"remote", &it.inRemote}, {"bounce", &it.bouncing},
	} {
		ok, err := exists(c.kind)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", id, err)
		}
		*c.dst = ok
	}
	it.inMess = inMess
	if !inMess && !it.inInfo && !it.inTodo {
		return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	d, err := q.openSplit(q.SplitOf(id), need)
	if err != nil {
		return nil, err
	}
	d.refs.Store(1)
	defer d.release()
	r := &reader{q: q, buf: make([]byte, 8192)}
	m, gone, err := r.read(d, it, need, nil)
	if err != nil {
		return nil, err
	}
	if gone {
		return nil, fmt.Errorf("message %d: %w (it left the queue just now)", id, ErrNotFound)
	}
	return m, nil
}
