package queuetest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Recipient is one envelope recipient.
type Recipient struct {
	// Addr is the address as qmail-send stores it after rewriting
	// (docs/queue.md §3.5); it may hold any byte but NUL.
	Addr string
	// Remote puts the recipient in remote/ rather than local/.
	Remote bool
	// Done marks the recipient delivered or bounced: a D record instead of T.
	Done bool
}

// State is how far qmail got with a message (the states of docs/queue.md §0).
type State int

const (
	// Preprocessed is S5: mess, info, local and/or remote as the recipients
	// need, and bounce when Message.Bounce is set.
	Preprocessed State = iota
	// Queued is S4 as qmail-queue leaves it: mess plus the hard-linked
	// intd/todo pair. Every recipient becomes a T record of the envelope;
	// Remote and Done do not matter.
	Queued
	// QueuedNoIntd is S4 after qmail-clean removed intd but not yet todo.
	QueuedNoIntd
)

// String returns the state's name.
func (s State) String() string {
	switch s {
	case Preprocessed:
		return "preprocessed"
	case Queued:
		return "queued"
	case QueuedNoIntd:
		return "queued-no-intd"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Message describes one message to queue. Only Sender and Recipients are
// needed; the rest has defaults.
type Message struct {
	// Sender is the envelope sender; "" is the null sender of bounces and
	// "#@[]" that of double bounces.
	Sender string
	// Recipients in envelope order.
	Recipients []Recipient
	// Header is the header block, each line ending in "\n" (a missing final
	// newline is added). It may be empty.
	Header string
	// Body follows the header block and the blank line that ends it.
	Body []byte
	// Birth is when the message was queued and preprocessed: the time in
	// the Received line, the atime and mtime of mess, intd/todo and info,
	// and the base of the retry schedule. Zero means [Options.Now].
	Birth time.Time
	// State says which files exist. The zero value is Preprocessed.
	State State
	// Bounce is the raw content of bounce/ID (docs/queue.md §3.6); "" means none.
	// Only a Preprocessed message gets a bounce file.
	Bounce string
	// UID is the real uid of qmail-queue's caller (the u record); 0 is root.
	UID int
	// PID is qmail-queue's pid (the p record and the Received line); zero
	// picks the next of a sequence that starts at 10000.
	PID int
	// Invoked replaces "by uid <UID>" in the Received line, e.g.
	// "from network" (qmaild), "for bounce" (qmails) or "by alias".
	Invoked string
	// NextRetry is the mtime (and atime) of local and remote, the next
	// retry time qmail-send saved when it stopped (docs/queue.md §5.1). Zero means
	// the first retry: Birth + 100 s for local, Birth + 400 s for remote.
	NextRetry time.Time
}

// chanskip is qmail-send's per-channel retry step (docs/queue.md §5.1).
const (
	chanskipLocal  = 10
	chanskipRemote = 20
)

// NextRetry returns qmail-send's next retry time for a message born at birth
// whose pass starts at recent: birth + (floor(sqrt(recent-birth)) +
// chanskip)^2, chanskip being 10 for local and 20 for remote (docs/queue.md §5.1).
func NextRetry(birth, recent time.Time, remote bool) time.Time {
	b, r := birth.Unix(), recent.Unix()
	var n int64
	if b <= r {
		n = isqrt(r - b)
	}
	if remote {
		n += chanskipRemote
	} else {
		n += chanskipLocal
	}
	return time.Unix(b+n*n, 0)
}

// isqrt is floor(sqrt(x)) for x >= 0, as qmail's squareroot().
func isqrt(x int64) int64 {
	if x < 2 {
		return x
	}
	// Newton's method on integers, from above.
	y := x
	z := (y + 1) / 2
	for z < y {
		y = z
		z = (y + x/y) / 2
	}
	return y
}

// prepared is a Message with its defaults filled in.
type prepared struct {
	Message
	birth time.Time
	pid   int
}

// prepare validates m and fills in the defaults.
func (b *Builder) prepare(m Message) (*prepared, error) {
	if strings.IndexByte(m.Sender, 0) >= 0 {
		return nil, fmt.Errorf("sender %q contains a NUL byte", m.Sender)
	}
	for _, r := range m.Recipients {
		if strings.IndexByte(r.Addr, 0) >= 0 {
			return nil, fmt.Errorf("recipient %q contains a NUL byte", r.Addr)
		}
	}
	switch m.State {
	case Preprocessed, Queued, QueuedNoIntd:
	default:
		return nil, fmt.Errorf("unknown message state %d", int(m.State))
	}
	p := &prepared{Message: m, birth: m.Birth, pid: m.PID}
	if p.birth.IsZero() {
		p.birth = b.now
	}
	if p.birth.IsZero() {
		p.birth = time.Now().Truncate(time.Second)
	}
	if p.pid == 0 {
		p.pid = int(b.nextPID.Add(1))
	}
	if p.Header != "" && !strings.HasSuffix(p.Header, "\n") {
		p.Header += "\n"
	}
	return p, nil
}

// Add queues m the way qmail-queue does and, for a Preprocessed message,
// preprocesses it the way qmail-send does. It returns the message ID, the
// inode number of mess/N/ID.
func (b *Builder) Add(m Message) (uint64, error) {
	id, _, err := b.add(m)
	return id, err
}

// add is Add that also returns the size of the mess file.
func (b *Builder) add(m Message) (uint64, int64, error) {
	p, err := b.prepare(m)
	if err != nil {
		return 0, 0, fmt.Errorf("add message: %w", err)
	}
	id, size, err := b.queue(p)
	if err != nil {
		return 0, 0, fmt.Errorf("add message: %w", err)
	}
	if p.State == Preprocessed {
		err = b.preprocess(id, p, true)
		if err == nil {
			err = b.clean(id)
		}
	} else if p.State == QueuedNoIntd {
		err = remove(b.Path("intd", id))
	}
	if err != nil {
		return 0, 0, fmt.Errorf("add message %d: %w", id, err)
	}
	return id, size, nil
}

// queue does qmail-queue's part (docs/queue.md §2, §3.2, §3.3): pid → mess → intd →
// todo. The times of mess and, unless the message is about to be
// preprocessed, of intd/todo are set to the birth.
func (b *Builder) queue(p *prepared) (uint64, int64, error) {
	id, size, err := b.writeMess(p)
	if err != nil {
		return 0, 0, err
	}
	if err := b.writeIntd(id, p); err != nil {
		return 0, 0, err
	}
	if err := b.linkTodo(id); err != nil {
		return 0, 0, err
	}
	paths := []string{b.Path("mess", id)}
	if p.State != Preprocessed {
		paths = append(paths, b.Path("todo", id)) // intd is the same inode
	}
	return id, size, b.stamp(p.birth, paths...)
}

// received is the line qmail-queue puts first in every message
// (qmail-queue.c:75-98, docs/queue.md §3.2).
func received(p *prepared) string {
	invoked := p.Invoked
	if invoked == "" {
		invoked = "by uid " + strconv.Itoa(p.UID)
	}
	return fmt.Sprintf("Received: (qmail %d invoked %s); %s\n", p.pid, invoked, date822(p.birth))
}

// date822 formats t as qmail's date822fmt: UTC, day not padded, "-0000".
func date822(t time.Time) string {
	return t.UTC().Format("2 Jan 2006 15:04:05") + " -0000"
}

// maxPidTries is how many pid/ names qmail-queue tries (seq 1..9).
const maxPidTries = 9

// maxCollisions bounds how many inodes Add skips because stale files of a
// broken state already carry their number.
const maxCollisions = 100

// createPidFile creates pid/<pid>.<time>.<seq> with O_EXCL, trying seq 1..9
// as qmail-queue's pidfmt loop does (docs/queue.md §3.1). It returns the descriptor.
func (b *Builder) createPidFile(p *prepared) (int, string, error) {
	for seq := 1; seq <= maxPidTries; seq++ {
		path := filepath.Join(b.dir, "pid", fmt.Sprintf("%d.%d.%d", p.pid, p.birth.Unix(), seq))
		fd, err := openExcl(path, 0o644)
		if err == nil {
			return fd, path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return -1, "", fmt.Errorf("create pid file: %w", err)
		}
	}
	return -1, "", fmt.Errorf("create pid file: pid/%d.%d.1-%d all exist", p.pid, p.birth.Unix(), maxPidTries)
}

// writeMess creates the pid file, takes its inode as the ID, links it to
// mess/N/ID, unlinks the pid file and writes the Received line, the header,
// a blank line and the body through the same descriptor (docs/queue.md §2 steps 1-5).
func (b *Builder) writeMess(p *prepared) (uint64, int64, error) {
	for range maxCollisions {
		fd, pidPath, err := b.createPidFile(p)
		if err != nil {
			return 0, 0, err
		}
		id, err := fdInode(fd, pidPath)
		if err == nil && b.dirty.Load() && b.taken(id) {
			// Stale files carry this number: keep the inode busy and
			// take another one.
			err = os.Remove(pidPath)
			b.holdFD(fd, pidPath)
			if err != nil {
				return 0, 0, fmt.Errorf("unlink pid file: %w", err)
			}
			continue
		}
		if err == nil {
			err = os.Link(pidPath, b.Path("mess", id))
		}
		if err == nil {
			err = os.Remove(pidPath)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("queue message: %w", closeFD(fd, pidPath, err))
		}
		content := make([]byte, 0, len(p.Header)+len(p.Body)+128)
		content = append(content, received(p)...)
		content = append(content, p.Header...)
		content = append(content, '\n')
		content = append(content, p.Body...)
		err = finishFD(fd, b.Path("mess", id), content, 0o644, b.owners != nil, b.qmailq(), -1)
		if err = closeFD(fd, pidPath, err); err != nil {
			return 0, 0, fmt.Errorf("queue message: %w", err)
		}
		return id, int64(len(content)), nil
	}
	return 0, 0, fmt.Errorf("queue message: %d inodes in a row are taken by stale files", maxCollisions)
}

// taken reports whether any file of kind mess, intd, todo, info, local,
// remote or bounce already exists under the canonical name of id.
func (b *Builder) taken(id uint64) bool {
	for _, kind := range Kinds() {
		if _, err := os.Lstat(b.Path(kind, id)); err == nil {
			return true
		}
	}
	return false
}

// envelope is the content of intd/ID and todo/ID (docs/queue.md §3.3): u, p and F
// records, then one T record per recipient, without the final empty record.
func envelope(p *prepared) []byte {
	var e []byte
	e = append(e, 'u')
	e = strconv.AppendInt(e, int64(p.UID), 10)
	e = append(e, 0, 'p')
	e = strconv.AppendInt(e, int64(p.pid), 10)
	e = append(e, 0, 'F')
	e = append(e, p.Sender...)
	e = append(e, 0)
	for _, r := range p.Recipients {
		e = append(e, 'T')
		e = append(e, r.Addr...)
		e = append(e, 0)
	}
	return e
}

// writeIntd creates intd/ID with O_EXCL, 0644, owner qmailq (docs/queue.md §3.3).
func (b *Builder) writeIntd(id uint64, p *prepared) error {
	uid := -1
	if b.owners != nil {
		uid = b.owners.Qmailq
	}
	if err := b.createFile(b.rel("intd", id), envelope(p), 0o644, uid, -1); err != nil {
		return fmt.Errorf("write intd: %w", err)
	}
	return nil
}

// linkTodo commits the message: link intd/ID to todo/ID (docs/queue.md §3.3 step 5).
func (b *Builder) linkTodo(id uint64) error {
	if err := os.Link(b.Path("intd", id), b.Path("todo", id)); err != nil {
		return fmt.Errorf("link todo: %w", err)
	}
	return nil
}

// infoRecord is the content of info/N/ID: the F record with its NUL
// (docs/queue.md §3.4).
func infoRecord(sender string) []byte {
	return append(append([]byte{'F'}, sender...), 0)
}

// channelRecords returns the local or remote file content: T or D, the
// address, NUL, for each recipient of that channel (docs/queue.md §3.5).
func channelRecords(rs []Recipient, remote bool) []byte {
	var c []byte
	for _, r := range rs {
		if r.Remote != remote {
			continue
		}
		if r.Done {
			c = append(c, 'D')
		} else {
			c = append(c, 'T')
		}
		c = append(c, r.Addr...)
		c = append(c, 0)
	}
	return c
}

// preprocess does qmail-send's todo_do (docs/queue.md §4.3): info, then local and
// remote where they have recipients, all qmails:qmail 0600, and the bounce
// file when withBounce is set and there is one (docs/queue.md §3.6). It sets info's
// times to the birth and local/remote's to the next retry.
func (b *Builder) preprocess(id uint64, p *prepared, withBounce bool) error {
	uid := -1
	if b.owners != nil {
		uid = b.owners.Qmails
	}
	if err := b.createFile(b.rel("info", id), infoRecord(p.Sender), 0o600, uid, b.gid()); err != nil {
		return fmt.Errorf("write info: %w", err)
	}
	if err := b.stamp(p.birth, b.Path("info", id)); err != nil {
		return err
	}
	for _, remote := range []bool{false, true} {
		records := channelRecords(p.Recipients, remote)
		if len(records) == 0 {
			continue
		}
		kind := channelKind(remote)
		if err := b.createFile(b.rel(kind, id), records, 0o600, uid, b.gid()); err != nil {
			return fmt.Errorf("write %s: %w", kind, err)
		}
		if err := b.stamp(p.retry(remote), b.Path(kind, id)); err != nil {
			return err
		}
	}
	if withBounce && p.Bounce != "" {
		if err := b.createFile(b.rel("bounce", id), []byte(p.Bounce), 0o600, uid, b.gid()); err != nil {
			return fmt.Errorf("write bounce: %w", err)
		}
		if err := b.stamp(p.birth, b.Path("bounce", id)); err != nil {
			return err
		}
	}
	return nil
}

// retry is the time for the local or remote file's atime and mtime.
func (p *prepared) retry(remote bool) time.Time {
	if !p.NextRetry.IsZero() {
		return p.NextRetry
	}
	return NextRetry(p.birth, p.birth, remote)
}

// channelKind names the directory of a channel.
func channelKind(remote bool) string {
	if remote {
		return "remote"
	}
	return "local"
}

// clean does what qmail-clean does for a "todo/ID" request: unlink intd,
// then todo (docs/queue.md §4.1).
func (b *Builder) clean(id uint64) error {
	if err := remove(b.Path("intd", id)); err != nil {
		return err
	}
	return remove(b.Path("todo", id))
}

// remove unlinks path; a missing file is fine, as for qmail-clean.
func remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// stamp sets atime and mtime of each path to t.
func (b *Builder) stamp(t time.Time, paths ...string) error {
	for _, path := range paths {
		if err := os.Chtimes(path, t, t); err != nil {
			return fmt.Errorf("set times: %w", err)
		}
	}
	return nil
}
