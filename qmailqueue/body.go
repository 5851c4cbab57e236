package qmailqueue

import (
	"errors"
	"io"
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
