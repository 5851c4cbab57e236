package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"golang.org/x/sys/unix"
)

// qreadWriter writes messages exactly as qmail-qread prints them (docs/queue.md
// §3.7, qmail-qread.c): a summary line per message with its info mtime in
// date822fmt minus the " -0000", "GMT", two-space separators and a trailing
// space, then each local and remote recipient, "  done" in front of
// finished ones; bytes outside 32..126 become "_".
type qreadWriter struct{ w *bufio.Writer }

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// date822 formats t as qmail's date822fmt does, in UTC and without the
// trailing " -0000\n": day not padded, time zero-padded.
func date822(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d %s %d %02d:%02d:%02d", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute(), t.Second())
}

// write prints one message. Like qmail-qread, a message whose mess or info
// cannot be read gets a warning line instead, and a local or remote file
// that cannot be read a warning in its place.
func (q *qreadWriter) write(m *qmailqueue.Message) {
	for _, p := range m.Problems {
		if p.Errno != 0 && (strings.HasPrefix(p.File, "mess/") || strings.HasPrefix(p.File, "info/")) {
			q.warn(m.ID, p.Msg)
			return
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
	q.w.WriteString(printable(line.String()))
	q.w.WriteByte('\n')
	for _, c := range []qmailqueue.Channel{qmailqueue.ChannelLocal, qmailqueue.ChannelRemote} {
		for _, r := range m.Recipients {
			if r.Channel != c {
				continue
			}
			if r.Done {
				q.w.WriteString("  done")
			}
			q.w.WriteString("\t" + c.String() + "\t")
			q.w.WriteString(printable(r.Address))
			q.w.WriteByte('\n')
		}
		for _, p := range m.Problems {
			if p.Errno != 0 && strings.HasPrefix(p.File, c.String()+"/") {
				q.warn(m.ID, p.Msg)
			}
		}
	}
}

// warn prints qmail-qread's warning, to standard output as it does.
func (q *qreadWriter) warn(id uint64, msg string) {
	fmt.Fprintf(q.w, "warning: trouble with #%d: %s\n", id, msg)
}

// qreadFatal ends a qread listing the way qmail-qread ends on a directory
// it cannot read: "fatal: unable to opendir info/N: <error>" on standard
// output after the messages already printed, and exit 111. The error is
// also reported on stderr as usual.
func qreadFatal(out *bufio.Writer, q *qmailqueue.Queue, err error) error {
	var pe *os.PathError
	var errno unix.Errno
	if errors.As(err, &pe) && errors.As(pe.Err, &errno) {
		if rel, rerr := filepath.Rel(q.Dir, pe.Path); rerr == nil && strings.HasPrefix(rel, "info"+string(filepath.Separator)) {
			fmt.Fprintf(out, "fatal: unable to opendir %s: %s\n", rel, qmailqueue.ErrorString(errno))
		}
	}
	return withCode(exitTempFail, err)
}
