package qmailqueue

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadBody returns the decoded text parts of m's body, from at most
// MaxBodyRead bytes of its mess file. A mess file refused as not a plain
// queue file, or whose header block is over HeaderLimit (the body starts
// past what qq reads), gives no body: m.Problems says why.
func (q *Queue) ReadBody(m *Message) (string, error) {
	for _, p := range m.Problems {
		if p.Refused && strings.HasPrefix(p.File, "mess/") {
			return "", nil
		}
	}
	if m.Header != nil && m.Header.Truncated {
		return "", nil
	}
	f, err := q.OpenMessage(m.ID, m.MessInode)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return BodyText(f, MaxBodyRead-HeaderLimit)
}

// ExtractPartLimited is ExtractPart into memory, for a caller that must
// see the whole decoded part (its type, its bytes) before it writes any of
// it: at most limit bytes are kept, and cut reports that the part is
// longer.
func ExtractPartLimited(r io.Reader, number string, limit int64) (p Part, text string, cut bool, err error) {
	buf := limitedBuffer{limit: limit}
	p, err = ExtractPart(r, number, &buf)
	if errors.Is(err, errBufferFull) {
		return p, buf.String(), true, nil
	}
	return p, buf.String(), false, err
}

// errBufferFull is returned by limitedBuffer once its limit is reached.
var errBufferFull = errors.New("buffer full")

// limitedBuffer keeps at most limit bytes and then refuses more.
type limitedBuffer struct {
	strings.Builder
	limit int64
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := b.limit - int64(b.Len())
	if room <= 0 {
		return 0, errBufferFull
	}
	if int64(len(p)) > room {
		b.Builder.Write(p[:room])
		return int(room), errBufferFull
	}
	return b.Builder.Write(p)
}

// openMess opens the mess file of message id as OpenMessage does; a
// message not in the queue gives an error wrapping ErrNotFound.
func (q *Queue) openMess(id uint64) (*os.File, error) {
	f, err := q.OpenMessage(id, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	return f, err
}

// CopyMessage writes the mess file of message id to w verbatim (qq show
// --raw). A mess file that is not a plain queue file (a link, a FIFO,
// extra hard links: [OpenQueueFile]) is refused before a byte is
// written; a message not in the queue gives an error wrapping ErrNotFound.
func (q *Queue) CopyMessage(w io.Writer, id uint64) error {
	f, err := q.openMess(id)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// PartError is a MIME part of a message that could not be extracted: the
// message has no such part, it is a multipart container, or the message
// could not be read or decoded ([ExtractPart]).
type PartError struct {
	ID  uint64
	Err error
}

// Error names the message: "message 12: no part 3".
func (e *PartError) Error() string { return fmt.Sprintf("message %d: %v", e.ID, e.Err) }

// Unwrap returns the part's own error.
func (e *PartError) Unwrap() error { return e.Err }

// WritePart writes MIME part number of message id to w, decoded
// ([ExtractPart]). The mess file is opened as [Queue.CopyMessage] opens
// it; the part's own errors are a *PartError.
func (q *Queue) WritePart(w io.Writer, id uint64, number string) error {
	f, err := q.openMess(id)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := ExtractPart(f, number, w); err != nil {
		return &PartError{ID: id, Err: err}
	}
	return nil
}

// PartText is [Queue.WritePart] into memory ([ExtractPartLimited]), for
// a caller that must see the part's type and bytes before it writes any
// of them: at most limit bytes are kept, and cut reports that the part is
// longer.
func (q *Queue) PartText(id uint64, number string, limit int64) (p Part, text string, cut bool, err error) {
	f, err := q.openMess(id)
	if err != nil {
		return p, "", false, err
	}
	defer f.Close()
	if p, text, cut, err = ExtractPartLimited(f, number, limit); err != nil {
		return p, "", false, &PartError{ID: id, Err: err}
	}
	return p, text, cut, nil
}
