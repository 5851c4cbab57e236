package qmailqueue

import (
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// State is a message's place in its life, as INTERNALS lists the legal
// states (docs/queue.md §0). S1 (no files) is not a message.
type State int

// The states a scan reports.
const (
	// StateMessOnly is S2: mess only. qmail-queue is starting, or it died
	// and qmail-send removes the file once its atime is 36 h old.
	StateMessOnly State = 2
	// StateWriting is S3: mess and intd. qmail-queue is writing the
	// envelope, or died doing so.
	StateWriting State = 3
	// StateQueued is S4: todo exists. Committed by qmail-queue, not yet
	// preprocessed by qmail-send (qmail-qread does not list these).
	StateQueued State = 4
	// StatePreprocessed is S5: info and local/remote; being delivered.
	StatePreprocessed State = 5
	// StateBroken is not a legal state: info exists but mess does not.
	// qmail-send defers such a message until it expires (docs/queue.md §4.6).
	StateBroken State = 0
)

// String returns the short name used in listings and JSON.
func (s State) String() string {
	switch s {
	case StateMessOnly:
		return "mess-only"
	case StateWriting:
		return "writing"
	case StateQueued:
		return "todo"
	case StatePreprocessed:
		return "queued"
	}
	return "broken"
}

// Code returns the INTERNALS name of the state: S2 … S5, or "-" for broken.
func (s State) Code() string {
	if s >= StateMessOnly && s <= StatePreprocessed {
		return "S" + string(rune('0'+s))
	}
	return "-"
}

// Channel is where a recipient is delivered.
type Channel int

// The channels. Recipients of a message not yet preprocessed have no channel
// yet: qmail-send decides it from locals and virtualdomains (docs/queue.md §3.5).
const (
	ChannelUnknown Channel = iota
	ChannelLocal
	ChannelRemote
)

// String returns "local", "remote" or "unknown".
func (c Channel) String() string {
	switch c {
	case ChannelLocal:
		return "local"
	case ChannelRemote:
		return "remote"
	}
	return "unknown"
}

// chanskip is qmail-send's per-channel retry step (docs/queue.md §5.1).
func (c Channel) chanskip() int64 {
	if c == ChannelLocal {
		return 10
	}
	return 20
}

// Recipient is one envelope recipient.
type Recipient struct {
	Address string
	Channel Channel
	// Done is true once qmail-send delivered to it or bounced it (a D
	// record).
	Done bool
}

// Problem is something wrong with one of a message's files: an unknown
// record type, a missing F record, a file that could not be read.
type Problem struct {
	File string // e.g. "remote/14/9994296"
	Msg  string
	// Errno is the system error when the file could not be read, 0 when
	// its content is at fault.
	Errno unix.Errno
	// Refused is true when the file is not read because it is not a plain
	// queue file (a link, FIFO, directory, extra hard links): see
	// UnsafeFileError. rm and requeue refuse such a message.
	Refused bool
}

func (p Problem) String() string { return p.File + ": " + p.Msg }

// Message is what a scan knows about one message. Which fields are filled
// depends on the [Fields] asked for; ID, Split, State and Bouncing always are.
type Message struct {
	ID    uint64
	Split int
	State State
	// Birth is the info mtime (qmail-send's "birth", docs/queue.md §3.4); for a
	// message not yet preprocessed, the todo mtime; for S2/S3, the mess
	// mtime.
	Birth time.Time
	// Size is st_size of mess, including qmail-queue's Received line.
	Size   int64
	Sender string
	// Recipients are the local ones, then the remote ones, each in file
	// order; for a todo message, the T records in order.
	Recipients []Recipient
	// Bouncing is true when bounce/ID exists.
	Bouncing bool
	// LocalFile and RemoteFile are true when local/N/ID or remote/N/ID
	// exists, that is when recipients are pending on that channel (known
	// with FieldChannels or FieldRecipients).
	LocalFile, RemoteFile bool
	// QP and UID come from the p and u records of todo, when it exists.
	QP, UID string
	// HasQP is true when QP and UID were read from a todo file.
	HasQP bool
	// LocalMtime and RemoteMtime are the mtimes of local/ and remote/
	// files, which hold the next retry time after a clean stop (docs/queue.md §5.1).
	LocalMtime, RemoteMtime time.Time
	// MessInode is the inode number of mess (equal to ID in a sound
	// queue), and EnvelopeCtime the ctime of info (or of todo for a message
	// not yet preprocessed); with Size, Birth and Sender they make the
	// message's Fingerprint.
	MessInode     uint64
	EnvelopeCtime time.Time
	// Header is filled when headers were asked for.
	Header *Header
	// MIME is the message's MIME structure, read with FieldParts (nil
	// otherwise).
	MIME *MIMEStructure
	// Problems lists what was wrong with the message's files.
	Problems []Problem
}

// Fingerprint identifies one message across time: IDs are inode numbers
// and are reused as soon as a message leaves the queue (docs/queue.md §2), so before
// a destructive action on an ID seen earlier, a tool re-reads the message
// and compares fingerprints (docs/queue.md §10 rule 5).
//
// The times are Unix nanoseconds ([UnixNano]) rather than time.Time: a
// plan holds one fingerprint per selected message, and 8 bytes a time
// instead of 24 is a third of a large plan's memory. They keep the file
// system's full resolution, which the comparison needs: qmail dates a
// message to the second, but a rewrite of info within the second it was
// made changes only the nanoseconds of its ctime.
type Fingerprint struct {
	MessInode     uint64
	Size          int64
	Birth         int64 // info mtime (todo mtime before preprocessing), UnixNano
	EnvelopeCtime int64 // info ctime (todo ctime before preprocessing), UnixNano
	Sender        string
}

// FieldFingerprint is what a scan must read for Message.Fingerprint.
const FieldFingerprint = FieldSize | FieldEnvelope

// Fingerprint returns the message's fingerprint; it needs FieldFingerprint.
func (m *Message) Fingerprint() Fingerprint {
	return Fingerprint{MessInode: m.MessInode, Size: m.Size, Birth: UnixNano(m.Birth), EnvelopeCtime: UnixNano(m.EnvelopeCtime), Sender: m.Sender}
}

// Equal reports whether two fingerprints name the same message.
func (f Fingerprint) Equal(g Fingerprint) bool {
	return f == g
}

// UnixNano is t in nanoseconds since the Unix epoch, the form a
// [Fingerprint] keeps its times in; the zero time (a time not read) is
// math.MinInt64, which no file time of the years 1678–2262 gives.
func UnixNano(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

// Pending returns how many recipients are not done.
func (m *Message) Pending() int {
	n := 0
	for _, r := range m.Recipients {
		if !r.Done {
			n++
		}
	}
	return n
}

// PendingAddresses lists the addresses of the recipients not yet done.
func (m *Message) PendingAddresses() []string {
	var p []string
	for _, r := range m.Recipients {
		if !r.Done {
			p = append(p, r.Address)
		}
	}
	return p
}

// PendingOn reports whether the message has a pending recipient on channel c.
func (m *Message) PendingOn(c Channel) bool {
	for _, r := range m.Recipients {
		if !r.Done && r.Channel == c {
			return true
		}
	}
	return false
}

// Expires returns when qmail-send gives up on the message: birth plus
// queuelifetime (docs/queue.md §5.2). The pass that starts after that bounces every
// pending recipient (docs/queue.md §5.3).
func (m *Message) Expires(lifetime time.Duration) time.Time {
	return m.Birth.Add(lifetime)
}

// NextRetry estimates when qmail-send next tries the message's pending
// recipients, the earliest over its channels; ok is false when nothing is
// pending. Per channel: a local/remote mtime in the future is the retry time
// qmail-send wrote at its last clean stop (pqfinish, docs/queue.md §5.1); otherwise the
// next point of the schedule birth + (k·chanskip)², which is where passes
// land when they run on time (nextretry in qmail-send.c).
func (m *Message) NextRetry(now time.Time) (next time.Time, ok bool) {
	for _, c := range []Channel{ChannelLocal, ChannelRemote} {
		if !m.PendingOn(c) {
			continue
		}
		t := nextRetry(m.Birth, now, c)
		mt := m.LocalMtime
		if c == ChannelRemote {
			mt = m.RemoteMtime
		}
		if mt.After(now) {
			t = mt
		}
		if !ok || t.Before(next) {
			next, ok = t, true
		}
	}
	return next, ok
}

// nextRetry is qmail-send's schedule seen from now: the first attempt time
// birth + (k·chanskip)² after now (k ≥ 1). A birth in the future gives
// birth + chanskip², as qmail's nextretry does with n = 0.
func nextRetry(birth, now time.Time, c Channel) time.Time {
	skip := c.chanskip()
	age := now.Unix() - birth.Unix()
	if age < 0 {
		return birth.Add(time.Duration(skip*skip) * time.Second)
	}
	k := isqrt(age)/skip + 1
	for (k*skip)*(k*skip) <= age {
		k++
	}
	n := k * skip
	return time.Unix(birth.Unix()+n*n, 0)
}

// isqrt is floor(sqrt(n)) for n ≥ 0, exact for every int64.
func isqrt(n int64) int64 {
	r := int64(math.Sqrt(float64(n)))
	for r*r > n {
		r--
	}
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}
