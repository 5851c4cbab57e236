package qmailqueue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// IDListError is a line of an ID list that holds no message ID.
type IDListError struct {
	Line int // 1-based
	Err  error
}

func (e *IDListError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *IDListError) Unwrap() error { return e.Err }

// ReadIDList reads a list of message IDs, one per line, as qq's --ids-from
// takes it: blank lines and lines starting with # are skipped, and only
// the first field of a line counts, so that the output of qq list --format
// plain (or qq top --format ids) can be read back as it is. A line whose
// first field is not an ID ([ParseID]) gives an *IDListError; a read error
// is returned as it is.
func ReadIDList(r io.Reader) ([]uint64, error) {
	var ids []uint64
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		id, err := ParseID(strings.Fields(t)[0])
		if err != nil {
			return nil, &IDListError{Line: line, Err: err}
		}
		ids = append(ids, id)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ids, nil
}

// IDsWithPrefix returns the IDs of the queue's messages whose decimal form
// starts with prefix, in scan order, at most limit of them. It reads
// directory listings only; when ctx ends first it returns what it found.
func (q *Queue) IDsWithPrefix(ctx context.Context, prefix string, limit int) []uint64 {
	var out []uint64
	errEnough := errors.New("enough")
	_, _ = q.Scan(ctx, ScanOptions{}, func(m *Message) error {
		if len(out) >= limit {
			return errEnough
		}
		if strings.HasPrefix(strconv.FormatUint(m.ID, 10), prefix) {
			out = append(out, m.ID)
		}
		return nil
	})
	return out
}
