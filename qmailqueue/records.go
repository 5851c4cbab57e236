package qmailqueue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// forEachRecord calls fn for every NUL-terminated record in b, without its
// NUL. It returns the length of a trailing partial record (bytes after the
// last NUL), which qmail-send treats as end of file (docs/queue.md §3.5).
func forEachRecord(b []byte, fn func(rec []byte)) (partial int) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return len(b)
		}
		fn(b[:i])
		b = b[i+1:]
	}
	return 0
}

// Envelope is the content of a todo (or intd) file as qmail-queue writes it:
// u, p, F and T records (docs/queue.md §3.3).
type Envelope struct {
	UID, QP    string
	HasUID     bool
	HasQP      bool
	Sender     string
	HasSender  bool
	Recipients []string
}

// ParseTodo parses a todo or intd file. It returns the envelope and the
// problems found: an unknown record type, a missing F record, a partial
// trailing record. qmail-send gives up on such a todo file and retries it at
// every scan (docs/queue.md §4.3).
func ParseTodo(b []byte) (Envelope, []string) {
	var env Envelope
	var problems []string
	unknown := false
	partial := forEachRecord(b, func(rec []byte) {
		if len(rec) == 0 {
			// The empty record that ends an envelope on qmail-queue's fd 1 is
			// not written to todo; tolerate it as qmail-send's getln loop does.
			return
		}
		switch rec[0] {
		case 'u':
			env.UID, env.HasUID = string(rec[1:]), true
		case 'p':
			env.QP, env.HasQP = string(rec[1:]), true
		case 'F':
			env.Sender, env.HasSender = string(rec[1:]), true
		case 'T':
			env.Recipients = append(env.Recipients, string(rec[1:]))
		default:
			if !unknown {
				problems = append(problems, fmt.Sprintf("unknown record type %q", rec[0]))
				unknown = true
			}
		}
	})
	if partial > 0 {
		problems = append(problems, fmt.Sprintf("trailing partial record of %d bytes ignored", partial))
	}
	if !env.HasSender {
		problems = append(problems, "no F (sender) record")
	}
	return env, problems
}

// ParseInfo parses an info file: one F record with the envelope sender,
// including its NUL (docs/queue.md §3.4). An error means qmail-send's getinfo would
// fail on it too.
func ParseInfo(b []byte) (sender string, err error) {
	i := bytes.IndexByte(b, 0)
	switch {
	case len(b) == 0:
		return "", fmt.Errorf("empty, no F record")
	case i < 0:
		return "", fmt.Errorf("the F record is not NUL-terminated")
	case b[0] != 'F':
		return "", fmt.Errorf("first record is %q, not F", b[0])
	}
	return string(b[1:i]), nil
}

// ParseRecipients parses a local or remote file: T (pending) and D (done)
// records (docs/queue.md §3.5). Other record types are reported: qmail-send logs
// "unknown record type" and aborts the pass there; qmail-qread skips them.
func ParseRecipients(b []byte, c Channel) ([]Recipient, []string) {
	// The addresses are substrings of one copy of the file: one
	// allocation per file rather than one per recipient, which matters for
	// a message with 100,000 recipients.
	text := string(b)
	rcpts := make([]Recipient, 0, bytes.Count(b, []byte{0}))
	var problems []string
	off := 0
	partial := forEachRecord(b, func(rec []byte) {
		start := off
		off += len(rec) + 1
		if len(rec) > 0 && (rec[0] == 'T' || rec[0] == 'D') {
			rcpts = append(rcpts, Recipient{Address: text[start+1 : start+len(rec)], Channel: c, Done: rec[0] == 'D'})
			return
		}
		if len(rec) == 0 {
			problems = append(problems, "empty record")
			return
		}
		problems = append(problems, fmt.Sprintf("unknown record type %q", rec[0]))
	})
	if partial > 0 {
		problems = append(problems, fmt.Sprintf("trailing partial record of %d bytes ignored", partial))
	}
	return rcpts, problems
}

// BounceReport is one paragraph of a bounce file: a recipient that failed
// permanently and qmail-send's report text for it.
type BounceReport struct {
	Recipient string
	Text      string
}

// ParseBounce parses bounce/ID: paragraphs of "<recipient>:\n", report
// lines, and a blank line (docs/queue.md §3.6). A last paragraph without its blank
// line (the file is not crash-proof) is kept and reported.
func ParseBounce(b []byte) ([]BounceReport, []string) {
	var reports []BounceReport
	var problems []string
	text := string(b)
	for text != "" {
		para, rest, complete := strings.Cut(text, "\n\n")
		text = rest
		head, body, _ := strings.Cut(para, "\n")
		if !strings.HasPrefix(head, "<") || !strings.HasSuffix(head, ">:") {
			problems = append(problems, fmt.Sprintf("paragraph does not start with <recipient>: but %q", clip(head, 40)))
			continue
		}
		if !complete {
			problems = append(problems, "last paragraph is not terminated by a blank line")
			body = strings.TrimSuffix(body, "\n")
		}
		reports = append(reports, BounceReport{Recipient: head[1 : len(head)-2], Text: body})
	}
	return reports, problems
}

// ReadBounce reads and parses bounce/ID, opened with OpenQueueFile and read
// up to MaxRecordFile bytes; the problems include one saying so when the file
// is longer. A bounce file that does not exist (qmail-send consumed it) gives
// no reports and no error.
func (q *Queue) ReadBounce(id uint64) ([]BounceReport, []string, error) {
	f, err := OpenQueueFile(q.Path("bounce", id), 0, MaxLinks)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxRecordFile+1))
	if err != nil {
		return nil, nil, err
	}
	var over []string
	if len(b) > MaxRecordFile {
		b = b[:MaxRecordFile]
		if i := bytes.LastIndex(b, []byte("\n\n")); i >= 0 {
			b = b[:i+2]
		}
		over = append(over, fmt.Sprintf("over the %d MiB qq reads of a record file; the reports after that are not shown", MaxRecordFile>>20))
	}
	reports, problems := ParseBounce(b)
	return reports, append(over, problems...), nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
