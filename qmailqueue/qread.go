package qmailqueue

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/termsafe"
	"golang.org/x/sys/unix"
)

// QreadWriter writes messages exactly as qmail-qread prints them
// (docs/queue.md §3.7, qmail-qread.c): a summary line per message with its
// info mtime in date822fmt minus the " -0000", "GMT", two-space separators
// and a trailing space, then each local and remote recipient, "  done" in
// front of finished ones; bytes outside 32..126 become "_". Messages are
// scanned with ScanOptions.InfoOnly, as qmail-qread reads them.
type QreadWriter struct {
	w   io.Writer
	buf []byte
}

// NewQreadWriter returns a writer of qmail-qread's listing to w.
func NewQreadWriter(w io.Writer) *QreadWriter { return &QreadWriter{w: w} }

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// date822 formats t as qmail's date822fmt does, in UTC and without the
// trailing " -0000\n": day not padded, time zero-padded.
func date822(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d %s %d %02d:%02d:%02d", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute(), t.Second())
}

// Write prints one message. Like qmail-qread, a message whose mess or info
// cannot be read gets a warning line instead, and a local or remote file
// that cannot be read a warning in its place.
func (q *QreadWriter) Write(m *Message) error {
	b := q.buf[:0]
	defer func() { q.buf = b }()
	for _, p := range m.Problems {
		if p.Errno != 0 && (strings.HasPrefix(p.File, "mess/") || strings.HasPrefix(p.File, "info/")) {
			_, err := q.w.Write(appendQreadWarning(b, m.ID, p.Msg))
			return err
		}
	}
	var line strings.Builder
	line.WriteString(date822(m.Birth))
	line.WriteString(" GMT  #")
	line.WriteString(strconv.FormatUint(m.ID, 10))
	line.WriteString("  ")
	line.WriteString(strconv.FormatInt(m.Size, 10))
	line.WriteString("  <")
	line.WriteString(m.Sender)
	line.WriteString("> ")
	if m.Bouncing {
		line.WriteString(" bouncing")
	}
	b = append(b, termsafe.ASCIIOnly(line.String())...)
	b = append(b, '\n')
	for _, c := range []Channel{ChannelLocal, ChannelRemote} {
		for _, r := range m.Recipients {
			if r.Channel != c {
				continue
			}
			if r.Done {
				b = append(b, "  done"...)
			}
			b = append(b, "\t"+c.String()+"\t"...)
			b = append(b, termsafe.ASCIIOnly(r.Address)...)
			b = append(b, '\n')
		}
		for _, p := range m.Problems {
			if p.Errno != 0 && strings.HasPrefix(p.File, c.String()+"/") {
				b = appendQreadWarning(b, m.ID, p.Msg)
			}
		}
	}
	_, err := q.w.Write(b)
	return err
}

// appendQreadWarning appends qmail-qread's warning, which it prints to
// standard output.
func appendQreadWarning(b []byte, id uint64, msg string) []byte {
	return fmt.Appendf(b, "warning: trouble with #%d: %s\n", id, msg)
}

// Fatal ends a listing the way qmail-qread ends on a directory of the
// queue at dir it cannot read: when err (a scan's error) is one, it writes
// "fatal: unable to opendir info/N: <error>", after the messages already
// written. qmail-qread then exits 111; the caller does.
func (q *QreadWriter) Fatal(dir string, err error) error {
	var pe *os.PathError
	var errno unix.Errno
	if errors.As(err, &pe) && errors.As(pe.Err, &errno) {
		if rel, rerr := filepath.Rel(dir, pe.Path); rerr == nil && strings.HasPrefix(rel, "info"+string(filepath.Separator)) {
			_, werr := fmt.Fprintf(q.w, "fatal: unable to opendir %s: %s\n", rel, ErrorString(errno))
			return werr
		}
	}
	return nil
}

// WriteQstat writes qmail-qstat's report byte for byte: mess is the number
// of files under mess/, todo the number under todo/ ([Queue.QstatCounts]).
func WriteQstat(w io.Writer, mess, todo int) error {
	_, err := fmt.Fprintf(w, "messages in queue: %d\nmessages in queue but not yet preprocessed: %d\n", mess, todo)
	return err
}
