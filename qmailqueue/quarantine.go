package qmailqueue

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unique"

	"github.com/google/renameio/v2"
	"github.com/qqmail/qq/internal/regularfile"
	"golang.org/x/sys/unix"
)

// A quarantine is a directory where qq keeps what it removes from the
// queue, so that a mistake can be undone by re-injecting the messages (qq
// requeue). qq rm and qq fsck --repair share it: one format, one catalogue,
// one lock. Its layout:
//
//	DIR/                     mode 0700
//	  .lock                  flock-ed by whoever changes the quarantine
//	  20261122T120000Z-4242/ one directory per run of qq rm
//	    manifest.jsonl       one QuarantineEntry per line, JSON
//	    9995400              the mess file of message 9995400
//	  fsck-20261122T120000Z/ one directory per run of qq fsck --repair
//	    manifest.jsonl       one line per saved file (kind "fsck-save"),
//	                         merged by message ID when read
//	    9995400/todo         the files fsck saved of message 9995400
//	    pid/NAME             a stray file of pid/
//
// Runs written by earlier versions of qq fsck (a tab-separated MANIFEST
// instead of manifest.jsonl) are read as they are, and rewritten in the
// current format the first time qq changes them (purge, requeue marks).
//
// The catalogue is the truth: whatever a run directory holds is listed. A
// file that no manifest line describes (qq killed between keeping a file
// and writing its line, or a copy cut short) is listed as an entry of kind
// "unlisted" in a run shown as interrupted, and purge removes it like any
// other; requeue refuses it, its envelope being unknown.
//
// Each mess file is a hard link to the queue's mess file when the quarantine
// is on the queue's filesystem (a 34 MB message moves for free), otherwise a
// copy. Either way the copy and its manifest line are fsync-ed, with the run
// directory, before the first of the message's queue files is unlinked
// ([Queue.Remove]).

// ManifestName is the name of a run's manifest in its directory.
const ManifestName = "manifest.jsonl"

// legacyFsckManifest is the manifest of runs made by earlier versions of qq
// fsck --repair: lines "SAVED\tFROM" (saved name in the run, queue path).
const legacyFsckManifest = "MANIFEST"

// EntryKind says what a quarantine entry is.
type EntryKind string

// The kinds of quarantine entries.
const (
	// KindRemoved is a message qq rm removed: its mess file and envelope.
	KindRemoved EntryKind = "removed"
	// KindFsckSave is what qq fsck --repair saved of a broken message
	// before removing or rewriting its files: the files themselves, whose
	// envelope is read back from the saved todo, info, local and remote.
	KindFsckSave EntryKind = "fsck-save"
	// KindUnlisted is a file in a run directory that no manifest line
	// describes: the run was interrupted.
	KindUnlisted EntryKind = "unlisted"
)

// KeptFile is one file of an entry kept in its run directory.
type KeptFile struct {
	// Name is its path in the run directory.
	Name string `json:"name"`
	// From is where it was, relative to the queue directory; "" unknown.
	From string `json:"from,omitempty"`
}

// quarantineLock is the lock file of a quarantine directory.
const quarantineLock = ".lock"

// ErrQuarantineBusy means another qq run holds the quarantine's lock.
var ErrQuarantineBusy = errors.New("the quarantine is in use by another qq run")

// Quarantine is an opened quarantine directory, locked for changes.
type Quarantine struct {
	// Dir is the quarantine directory.
	Dir  string
	lock *os.File
}

// OpenQuarantine opens the quarantine in dir for changes, creating it with
// mode 0700 when it does not exist, and takes its lock without waiting: an
// error wrapping [ErrQuarantineBusy] means another qq run holds it. Close
// releases the lock.
func OpenQuarantine(dir string) (*Quarantine, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("quarantine %s: not a directory", dir)
	}
	f, err := os.OpenFile(filepath.Join(dir, quarantineLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("quarantine %s: %w", dir, ErrQuarantineBusy)
		}
		return nil, fmt.Errorf("quarantine %s: lock: %w", dir, err)
	}
	return &Quarantine{Dir: dir, lock: f}, nil
}

// Close releases the quarantine's lock.
func (z *Quarantine) Close() error {
	if z.lock == nil {
		return nil
	}
	err := z.lock.Close()
	z.lock = nil
	return err
}

// Address is an address kept in a manifest. Addresses may hold any byte but
// NUL (docs/queue.md §3), so one that is not valid UTF-8 is written as
// {"base64":"…"} instead of a JSON string, and read back exactly.
type Address string

// MarshalJSON writes the address as a string, or as {"base64":…} when it
// is not valid UTF-8.
func (a Address) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(a)) {
		return json.Marshal(string(a))
	}
	return json.Marshal(struct {
		Base64 string `json:"base64"`
	}{base64.StdEncoding.EncodeToString([]byte(a))})
}

// UnmarshalJSON reads either form MarshalJSON writes.
func (a *Address) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Address(s)
		return nil
	}
	var o struct {
		Base64 *string `json:"base64"`
	}
	if err := json.Unmarshal(b, &o); err != nil || o.Base64 == nil {
		return fmt.Errorf("address: want a string or {\"base64\":…}")
	}
	raw, err := base64.StdEncoding.DecodeString(*o.Base64)
	if err != nil {
		return fmt.Errorf("address: %w", err)
	}
	*a = Address(raw)
	return nil
}

// QuarantinedRecipient is a recipient that was still pending when its
// message was removed.
type QuarantinedRecipient struct {
	// Address is the envelope recipient to re-inject: for a local
	// recipient, the address without the virtual-domain prepend qmail-send
	// added (see [Rewrite.Envelope]).
	Address Address `json:"address"`
	// Channel is local, remote, or unknown for a message not yet
	// preprocessed.
	Channel string `json:"channel"`
	// QueuedAs is the address as local/ held it, when it differs.
	QueuedAs Address `json:"queued_as,omitempty"`
}

// QuarantineEntry is one removed message in a quarantine: one line of a
// run's manifest.
type QuarantineEntry struct {
	// Run is the name of the run directory (not stored in the line).
	Run string `json:"-"`
	// Kind says what the entry is; lines without one are KindRemoved.
	Kind EntryKind `json:"kind,omitempty"`
	// ID is the message's ID in the queue it was removed from.
	ID uint64 `json:"id"`
	// Queue is the queue directory it was removed from.
	Queue string `json:"queue"`
	// State is the message's state code then (S4, S5, …).
	State string `json:"state"`
	// Birth is the info mtime (todo mtime before preprocessing).
	Birth time.Time `json:"birth"`
	// Size is the size of the mess file.
	Size int64 `json:"size"`
	// MessInode is the inode of the mess file (the ID, in a sound queue).
	MessInode uint64 `json:"mess_inode"`
	// Sender is the envelope sender; "" is the null sender.
	Sender Address `json:"sender"`
	// Recipients are the recipients still pending.
	Recipients []QuarantinedRecipient `json:"recipients"`
	// Done counts recipients already delivered or bounced, which a
	// re-injection leaves out.
	Done int `json:"done"`
	// Bouncing is true when a bounce report was waiting (bounce/ID).
	Bouncing bool `json:"bouncing"`
	// Subject is the decoded subject, when it was read.
	Subject string `json:"subject,omitempty"`
	// Reason is why the message was selected: qq's command line.
	Reason string `json:"reason"`
	// RemovedAt is when the message was quarantined, right before its
	// queue files were unlinked.
	RemovedAt time.Time `json:"removed_at"`
	// Mess is the name of the kept mess file in the run directory; "" when
	// the message had none (info without mess).
	Mess string `json:"mess"`
	// Linked is true when Mess is a hard link to the queue's file rather
	// than a copy.
	Linked bool `json:"linked"`
	// RequeuedAs and RequeuedAt are set once qq requeue re-injected the
	// message; RequeuedAs is the new ID, 0 when it could not be found.
	RequeuedAs uint64     `json:"requeued_as,omitempty"`
	RequeuedAt *time.Time `json:"requeued_at,omitempty"`
	// Files are the files of a KindFsckSave or KindUnlisted entry.
	Files []KeptFile `json:"files,omitempty"`
	// SenderKnown is false when no envelope sender was kept (an fsck save
	// without info or todo, an unlisted file); not stored.
	SenderKnown bool `json:"-"`
	// dir is the quarantine directory the entry was read from.
	dir string
}

// Name is how commands refer to the entry: RUN/ID, or RUN/FILE for a file
// of no message (a stray of pid/, an unlisted file not named by an ID).
func (e *QuarantineEntry) Name() string {
	if e.ID == 0 && len(e.Files) > 0 {
		return e.Run + "/" + e.Files[0].Name
	}
	return e.Run + "/" + strconv.FormatUint(e.ID, 10)
}

// keptNames returns the names of the files the entry holds in its run.
func (e *QuarantineEntry) keptNames() []string {
	var names []string
	for _, f := range e.Files {
		names = append(names, f.Name)
	}
	if e.Mess != "" && !slices.Contains(names, e.Mess) {
		names = append(names, e.Mess)
	}
	return names
}

// Envelope returns the sender and pending recipients to re-inject.
func (e *QuarantineEntry) Envelope() (sender string, recipients []string) {
	for _, r := range e.Recipients {
		recipients = append(recipients, string(r.Address))
	}
	return string(e.Sender), recipients
}

// SenderText shows the entry's envelope sender for people: <ADDR> (<>
// for the null sender), or (unknown) when none was kept. It is raw: the
// caller makes it safe for a terminal.
func (e *QuarantineEntry) SenderText() string {
	if !e.SenderKnown {
		return "(unknown)"
	}
	return "<" + string(e.Sender) + ">"
}

// RecipientSummary shows the entry's pending recipients in one short
// cell: the first and how many more, e.g. "a@example.org (+2)", or
// (none). It is raw, as [QuarantineEntry.SenderText].
func (e *QuarantineEntry) RecipientSummary() string {
	switch len(e.Recipients) {
	case 0:
		return "(none)"
	case 1:
		return string(e.Recipients[0].Address)
	}
	return fmt.Sprintf("%s (+%d)", e.Recipients[0].Address, len(e.Recipients)-1)
}

// MessPath returns the path of the entry's kept mess file in quarantine dir,
// "" when it has none.
func (e *QuarantineEntry) MessPath(dir string) string {
	if e.Mess == "" {
		return ""
	}
	return filepath.Join(dir, e.Run, e.Mess)
}

// InQueue reports whether the message the entry was made from is still in
// queue q: a crash between quarantining and unlinking leaves both. It
// compares the mess inode (the same file, for a link), size and birth.
func (e *QuarantineEntry) InQueue(q *Queue) bool {
	if e.Mess == "" {
		_, err := os.Lstat(q.Path("info", e.ID))
		return err == nil
	}
	var st unix.Stat_t
	if unix.Lstat(q.Path("mess", e.ID), &st) != nil || st.Ino != e.MessInode || st.Size != e.Size {
		return false
	}
	m, err := q.Message(e.ID, FieldBirth)
	return err == nil && m.Birth.Equal(e.Birth)
}

// StatusInQueue is the status of an entry whose message is still in the
// queue: qq was stopped between keeping the copy and removing the message.
const StatusInQueue = "still in queue"

// Status says, for people, what the entry is and where its message is
// now: "requeued as NEWID" (or "requeued" when the new ID was not found),
// "unlisted (interrupted run)", "fsck save", "still in queue" (qq rm
// stopped between keeping the copy and removing the message; q nil does
// not look), or "kept".
func (e *QuarantineEntry) Status(q *Queue) string {
	switch {
	case e.RequeuedAt != nil && e.RequeuedAs != 0:
		return "requeued as " + strconv.FormatUint(e.RequeuedAs, 10)
	case e.RequeuedAt != nil:
		return "requeued"
	case e.Kind == KindUnlisted:
		return "unlisted (interrupted run)"
	case e.Kind == KindFsckSave:
		return "fsck save"
	case q != nil && e.InQueue(q):
		return StatusInQueue
	}
	return "kept"
}

// QuarantineRun adds the messages of one removal to a quarantine, in a run
// directory of its own. It is used by [Queue.Remove].
type QuarantineRun struct {
	z        *Quarantine
	name     string
	dir      string
	reason   string
	rewrite  *Rewrite
	manifest *os.File
	buf      bytes.Buffer
	count    int
	dirty    bool
	// BeforeKeep, when set (tests), is called after a manifest line was
	// made durable and before its file is linked or copied: a crash there
	// must leave nothing the catalogue does not list.
	BeforeKeep func()
	start      time.Time // the run's start, as the caller's clock gave it
	started    time.Time // the same moment on the real clock
	queue      string    // the queue an fsck run saves from
}

// NewRun starts a run directory named after now (UTC) and the process ID.
// Each message's removal time is now plus the time elapsed since.
// reason is recorded with every message (qq's command line); rewrite, when
// not nil, maps local recipients back to their envelope addresses.
func (z *Quarantine) NewRun(reason string, rewrite *Rewrite, now time.Time) (*QuarantineRun, error) {
	return z.newRun(now.UTC().Format("20060102T150405Z")+"-"+strconv.Itoa(os.Getpid()), reason, rewrite, now)
}

// NewFsckRun starts the run of a qq fsck --repair on the queue in queueDir,
// named fsck-<now>, for [QuarantineRun.SaveFile].
func (z *Quarantine) NewFsckRun(queueDir, reason string, now time.Time) (*QuarantineRun, error) {
	r, err := z.newRun("fsck-"+now.UTC().Format("20060102T150405Z"), reason, nil, now)
	if err == nil {
		r.queue = queueDir
	}
	return r, err
}

// newRun makes the run directory base (base.2, … when taken) with an empty
// manifest, both durable.
func (z *Quarantine) newRun(base, reason string, rewrite *Rewrite, now time.Time) (*QuarantineRun, error) {
	name := base
	for i := 2; ; i++ {
		err := os.Mkdir(filepath.Join(z.Dir, name), 0o700)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || i > 100 {
			return nil, fmt.Errorf("quarantine: %w", err)
		}
		name = base + "." + strconv.Itoa(i)
	}
	r := &QuarantineRun{z: z, name: name, dir: filepath.Join(z.Dir, name), reason: reason, rewrite: rewrite,
		start: now, started: time.Now()}
	f, err := os.OpenFile(filepath.Join(r.dir, ManifestName), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		os.Remove(r.dir)
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	r.manifest = f
	// The run directory and its manifest exist durably before anything
	// is recorded in them.
	if err := errors.Join(syncDir(r.dir), syncDir(z.Dir)); err != nil {
		f.Close()
		os.RemoveAll(r.dir)
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	return r, nil
}

// Name returns the run directory's name.
func (r *QuarantineRun) Name() string { return r.name }

// Dir returns the run directory's path.
func (r *QuarantineRun) Dir() string { return r.dir }

// Count returns how many messages the run holds.
func (r *QuarantineRun) Count() int { return r.count }

// SaveFile keeps a file of the queue in an fsck run (qq fsck --repair,
// before it removes or rewrites the file), as ID/KIND (pid/NAME for id 0),
// with a suffix .N when that name is taken. from is the file's path
// relative to the queue directory, src its absolute path, ino the inode the
// check saw (0: not checked). The manifest line is durable before the file
// is linked or copied, and the file before SaveFile returns, so that the
// catalogue always lists what the run holds and the queue file can be
// removed after it. A hard link keeps inode, owner, mode and times; a copy
// (copyIt, or another file system) gets the same mode, owner and times. It
// returns the name in the run directory.
func (r *QuarantineRun) SaveFile(src, from string, id uint64, ino uint64, copyIt bool) (string, error) {
	sub, base := strconv.FormatUint(id, 10), strings.SplitN(from, "/", 2)[0]
	if id == 0 {
		sub, base = "pid", filepath.Base(from)
	}
	if err := os.Mkdir(filepath.Join(r.dir, sub), 0o700); err == nil {
		if err := syncDir(r.dir); err != nil {
			return "", fmt.Errorf("quarantine: %w", err)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("quarantine: %w", err)
	}
	var name string
	for n := 0; ; n++ {
		name = sub + "/" + base
		if n > 0 {
			name += "." + strconv.Itoa(n)
		}
		if _, err := os.Lstat(filepath.Join(r.dir, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	now := r.start.Add(time.Since(r.started))
	e := &QuarantineEntry{Kind: KindFsckSave, ID: id, Queue: r.queue, Files: []KeptFile{{Name: name, From: from}},
		Reason: r.reason, RemovedAt: now.UTC()}
	line, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("quarantine: %w", err)
	}
	if _, err := r.manifest.Write(append(line, '\n')); err != nil {
		return "", fmt.Errorf("quarantine: %w", err)
	}
	if err := r.manifest.Sync(); err != nil {
		return "", fmt.Errorf("quarantine: %w", err)
	}
	r.count++
	if r.BeforeKeep != nil {
		r.BeforeKeep()
	}
	dst := filepath.Join(r.dir, name)
	err = unix.EXDEV
	if !copyIt {
		if err = unix.Link(src, dst); err != nil && err != unix.EXDEV {
			err = &os.LinkError{Op: "link", Old: src, New: dst, Err: err}
		}
	}
	if err == unix.EXDEV {
		// Never a link's target; todo's two links are the most a saved
		// file has (a file with more gets no action from fsck).
		err = copyKept(src, dst, ino, MaxLinksTodo, true)
	}
	if err != nil {
		return "", err
	}
	return name, syncDir(filepath.Dir(dst))
}

// add keeps message m (read with FieldFingerprint|FieldRecipients): its mess
// file, linked or copied into the run directory, and its manifest line,
// buffered until sync.
func (r *QuarantineRun) add(q *Queue, m *Message, subject string) (*QuarantineEntry, error) {
	now := r.start.Add(time.Since(r.started))
	e := &QuarantineEntry{
		Run: r.name, ID: m.ID, Queue: q.Dir, State: m.State.Code(), Birth: m.Birth.UTC(), Size: m.Size,
		MessInode: m.MessInode, Sender: Address(m.Sender), Recipients: []QuarantinedRecipient{},
		Bouncing: m.Bouncing, Subject: subject, Reason: r.reason, RemovedAt: now.UTC(),
	}
	for _, rc := range m.Recipients {
		if rc.Done {
			e.Done++
			continue
		}
		qr := QuarantinedRecipient{Address: Address(rc.Address), Channel: rc.Channel.String()}
		if rc.Channel == ChannelLocal {
			if env := r.rewrite.Envelope(rc.Address); env != rc.Address {
				qr.Address, qr.QueuedAs = Address(env), Address(rc.Address)
			}
		}
		e.Recipients = append(e.Recipients, qr)
	}
	if m.State != StateBroken {
		name := strconv.FormatUint(m.ID, 10)
		linked, err := keepFile(q.Path("mess", m.ID), filepath.Join(r.dir, name), m.MessInode)
		if err != nil {
			return nil, fmt.Errorf("quarantine %d: %w", m.ID, err)
		}
		e.Mess, e.Linked = name, linked
	}
	line, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("quarantine %d: %w", m.ID, err)
	}
	r.buf.Write(line)
	r.buf.WriteByte('\n')
	r.count++
	r.dirty = true
	return e, nil
}

// keepFile puts src at dst: a hard link when src is on dst's filesystem and
// may be linked, else a copy that is fsync-ed. It checks that src is still
// the inode it should be. linked tells which was done.
func keepFile(src, dst string, inode uint64) (linked bool, err error) {
	err = unix.Link(src, dst)
	if err == nil {
		var st unix.Stat_t
		if err := unix.Lstat(dst, &st); err != nil {
			return true, err
		}
		if st.Ino != inode {
			unix.Unlink(dst)
			return true, fmt.Errorf("%s is no longer inode %d", src, inode)
		}
		return true, nil
	}
	if err != unix.EXDEV && err != unix.EPERM && err != unix.EMLINK {
		return false, &os.LinkError{Op: "link", Old: src, New: dst, Err: err}
	}
	return false, copyKept(src, dst, inode, MaxLinks, false)
}

// copyKept copies queue file src to a new file dst in the quarantine,
// fsync-ed, with src's times, and with its mode and owner when keepOwner.
// src is opened as every queue file is ([OpenQueueFile]): never a link's
// target, a regular file of at most maxLinks links and still inode ino (0:
// not checked). A copy cut short is removed.
func copyKept(src, dst string, ino, maxLinks uint64, keepOwner bool) error {
	in, err := OpenQueueFile(src, ino, maxLinks)
	if err != nil {
		return err
	}
	defer in.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(in.Fd()), &st); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil && keepOwner {
		err = out.Chmod(fs.FileMode(st.Mode & 0o7777))
		if err == nil && os.Geteuid() == 0 {
			err = out.Chown(int(st.Uid), int(st.Gid))
		}
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	// Keep the times (the mtime of info is the message's birth, that of
	// mess when qmail-queue wrote it); they are for people, so a failure
	// to set them is not one of the copy.
	unix.UtimesNano(dst, []unix.Timespec{st.Atim, st.Mtim})
	return nil
}

// sync makes everything added so far durable: the manifest lines are
// written and fsync-ed, then the run directory (the new links and files).
func (r *QuarantineRun) sync() error {
	if !r.dirty {
		return nil
	}
	if _, err := r.manifest.Write(r.buf.Bytes()); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	r.buf.Reset()
	if err := r.manifest.Sync(); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	if err := syncDir(r.dir); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	r.dirty = false
	return nil
}

// Close makes the run durable and closes its manifest; a run that received
// no message is removed.
func (r *QuarantineRun) Close() error {
	err := r.sync()
	if cerr := r.manifest.Close(); err == nil {
		err = cerr
	}
	if err == nil && r.count == 0 {
		if rerr := os.RemoveAll(r.dir); rerr == nil {
			syncDir(r.z.Dir)
		}
	}
	return err
}

// maxManifestLine bounds one manifest line: an entry names one message's
// sender, recipients and subject, far below it. A longer line is a problem
// and skipped, so a damaged manifest cannot make qq hold it whole.
const maxManifestLine = 4 << 20

// maxLegacyManifest bounds the MANIFEST of an earlier qq fsck, read whole.
const maxLegacyManifest = 64 << 20

// ParseManifest reads the lines of a run's manifest from r, a line at a
// time. A last line without a newline (a write cut short by a crash, before
// the messages it describes were touched) is ignored; other lines that do
// not parse are reported as problems, naming their line numbers. The lines
// of one fsck save (one per file) are merged into one entry per message.
// The error is a read error of r.
func ParseManifest(run string, r io.Reader) ([]QuarantineEntry, []string, error) {
	var entries []QuarantineEntry
	problems, err := eachManifestEntry(run, r, func(e *QuarantineEntry) error {
		entries = append(entries, *e)
		return nil
	})
	return entries, problems, err
}

// eachManifestEntry is [ParseManifest] streamed: it calls fn for each
// entry, in the order of the lines, holding only what it must. The lines
// of an fsck save are merged, so from the first fsck save on the entries
// are held until the end of the manifest (fsck runs are small); those of
// qq rm, a line per message, are handed on at once. An error of fn stops
// the reading and is returned.
func eachManifestEntry(run string, r io.Reader, fn func(*QuarantineEntry) error) ([]string, error) {
	var problems []string
	var held []QuarantineEntry // the entries from the first fsck save on
	fsckAt := map[uint64]int{} // index in held of an fsck save by ID
	flush := func() error {
		for i := range held {
			if err := fn(&held[i]); err != nil {
				return err
			}
		}
		held = nil
		return nil
	}
	br := bufio.NewReader(r)
	var long []byte // a line longer than the reader's buffer, gathered
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long) <= maxManifestLine {
				long = append(long, chunk...)
			}
			continue
		}
		if len(chunk) == 0 && len(long) == 0 && err == io.EOF {
			break
		}
		n++
		if err == io.EOF {
			problems = append(problems, fmt.Sprintf("%s line %d: incomplete last line ignored", run, n))
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return problems, ferr
			}
			return problems, err
		}
		line := chunk[:len(chunk)-1]
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		if len(line) > maxManifestLine {
			problems = append(problems, fmt.Sprintf("%s line %d: longer than %d bytes, ignored", run, n, maxManifestLine))
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e QuarantineEntry
		if err := json.Unmarshal(line, &e); err != nil {
			problems = append(problems, fmt.Sprintf("%s line %d: %v", run, n, err))
			continue
		}
		if e.Kind == "" {
			e.Kind = KindRemoved
		}
		if e.ID == 0 && (e.Kind == KindRemoved || len(e.Files) == 0) {
			problems = append(problems, fmt.Sprintf("%s line %d: no message ID", run, n))
			continue
		}
		// Names are paths inside the run directory: a manifest copied in
		// from elsewhere must not make purge or requeue reach outside it.
		if !localName(e.Mess) || slices.ContainsFunc(e.Files, func(f KeptFile) bool { return !localName(f.Name) }) {
			problems = append(problems, fmt.Sprintf("%s line %d: a file name leaves the run directory", run, n))
			continue
		}
		e.Run = run
		e.SenderKnown = e.Kind == KindRemoved
		e.share()
		if e.Recipients == nil {
			e.Recipients = []QuarantinedRecipient{}
		}
		switch {
		case e.Kind == KindFsckSave && e.ID != 0:
			if k, ok := fsckAt[e.ID]; ok {
				merged := &held[k]
				merged.Files = append(merged.Files, e.Files...)
				if e.RequeuedAt != nil {
					merged.RequeuedAt, merged.RequeuedAs = e.RequeuedAt, e.RequeuedAs
				}
				continue
			}
			fsckAt[e.ID] = len(held)
			held = append(held, e)
		case len(held) > 0:
			held = append(held, e) // after an fsck save: keep the lines' order
		default:
			if err := fn(&e); err != nil {
				return problems, err
			}
		}
	}
	return problems, flush()
}

// share replaces the strings of e that repeat from entry to entry (the
// queue, the reason, the state, the sender and subject of a flood, the
// channels) with one shared copy each (unique.Make): a run of 100,000
// removed messages repeats its command line 100,000 times, and a
// catalogue is held whole by qq quarantine list, qq requeue and the
// browser.
func (e *QuarantineEntry) share() {
	e.Queue = unique.Make(e.Queue).Value()
	e.Reason = unique.Make(e.Reason).Value()
	e.State = unique.Make(e.State).Value()
	e.Sender = Address(unique.Make(string(e.Sender)).Value())
	e.Subject = unique.Make(e.Subject).Value()
	for i := range e.Recipients {
		e.Recipients[i].Channel = unique.Make(e.Recipients[i].Channel).Value()
	}
}

// parseLegacyFsck reads the MANIFEST of a run made by an earlier qq fsck
// --repair: "SAVED\tFROM" lines, SAVED being ID/KIND or pid/NAME.
func parseLegacyFsck(run string, b []byte) []QuarantineEntry {
	var entries []QuarantineEntry
	at := map[uint64]int{}
	when, _ := runTime(run)
	for line := range strings.SplitSeq(string(b), "\n") {
		saved, from, ok := strings.Cut(line, "\t")
		if !ok || saved == "" {
			continue
		}
		f := KeptFile{Name: saved, From: from}
		first, _, _ := strings.Cut(saved, "/")
		id, err := ParseID(first)
		if err == nil && id != 0 {
			if k, ok := at[id]; ok {
				entries[k].Files = append(entries[k].Files, f)
				continue
			}
			at[id] = len(entries)
		} else {
			id = 0
		}
		entries = append(entries, QuarantineEntry{Run: run, Kind: KindFsckSave, ID: id, Files: []KeptFile{f},
			Recipients: []QuarantinedRecipient{}, Reason: "qq fsck --repair", RemovedAt: when})
	}
	return entries
}

// runTime returns the time a run's name gives: RUN is
// 20261122T120000Z-PID[.N] (qq rm) or fsck-20261122T120000Z (qq fsck).
func runTime(run string) (time.Time, bool) {
	name := strings.TrimPrefix(run, "fsck-")
	if len(name) < 16 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405Z", name[:16])
	return t, err == nil
}

// readManifest calls fn for each entry a run's manifest lists:
// manifest.jsonl, read a line at a time, or the MANIFEST of an earlier qq
// fsck. Either must be a regular file (no link followed, no FIFO waited
// on).
func readManifest(runDir, run string, fn func(*QuarantineEntry) error) ([]string, error) {
	f, _, err := regularfile.Open(filepath.Join(runDir, ManifestName), unix.O_NOFOLLOW)
	if errors.Is(err, fs.ErrNotExist) {
		legacy, _, lerr := regularfile.ReadAll(filepath.Join(runDir, legacyFsckManifest), unix.O_NOFOLLOW, maxLegacyManifest)
		switch {
		case lerr == nil:
			entries := parseLegacyFsck(run, legacy)
			for i := range entries {
				if err := fn(&entries[i]); err != nil {
					return nil, err
				}
			}
			return nil, nil
		case errors.Is(lerr, fs.ErrNotExist):
			return []string{run + ": no " + ManifestName}, nil
		}
		return nil, fmt.Errorf("quarantine: %w", lerr)
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer f.Close()
	// fn's own error goes back as it is, a read error with the run's
	// name. They are told apart by where they came from, not with ==,
	// which panics on an error type that is not comparable.
	var fnErr error
	problems, err := eachManifestEntry(run, f, func(e *QuarantineEntry) error {
		if err := fn(e); err != nil {
			fnErr = err
			return errStopWalk
		}
		return nil
	})
	switch {
	case fnErr != nil:
		return nil, fnErr
	case err != nil:
		return nil, fmt.Errorf("quarantine: %s: %w", run, err)
	}
	return problems, nil
}

// errStopWalk stops eachManifestEntry when the caller's callback has
// failed: readManifest returns the callback's own error instead.
var errStopWalk = errors.New("quarantine: walk stopped")

// readRun calls fn for each entry of one run directory: its manifest's,
// completed from the files an fsck save holds, then, reconciled with the
// directory, one for each file no manifest line describes. problems name
// what is amiss. Besides the entry at hand it holds the names of the
// files the run lists and the IDs of its entries, and, in a run with an
// fsck save, the entries from the first fsck save on (eachManifestEntry).
func readRun(dir, run string, fn func(*QuarantineEntry) error) ([]string, error) {
	runDir := filepath.Join(dir, run)
	listed := map[string]bool{}
	ids := map[uint64]bool{}
	var missing []string // the entries' problems, after the manifest's
	problems, err := readManifest(runDir, run, func(e *QuarantineEntry) error {
		e.dir = dir
		if e.Kind == KindFsckSave {
			completeFsckSave(runDir, e)
		}
		for _, name := range e.keptNames() {
			listed[name] = true
		}
		if p := e.MessPath(dir); p != "" {
			var st unix.Stat_t
			if err := unix.Lstat(p, &st); err != nil {
				missing = append(missing, fmt.Sprintf("%s: mess file: %v", e.Name(), &os.PathError{Op: "lstat", Path: p, Err: err}))
			} else if e.Kind == KindRemoved {
				// Whether the kept file is the queue's inode is a fact of
				// the file system.
				e.Linked = st.Ino == e.MessInode
			}
		}
		ids[e.ID] = true
		return fn(e)
	})
	if err != nil {
		return nil, err
	}
	problems = append(problems, missing...)
	unlisted, err := unlistedFiles(runDir, listed)
	if err != nil {
		return nil, err
	}
	if len(unlisted) > 0 {
		problems = append(problems, fmt.Sprintf("%s: interrupted run: %d files no manifest line describes (listed as unlisted)", run, len(unlisted)))
	}
	when, whenOK := runTime(run)
	for _, u := range unlisted {
		first, _, _ := strings.Cut(u.name, "/")
		id, err := ParseID(first)
		if err != nil || ids[id] {
			// RUN/ID names one entry: a second file of that ID is named
			// by its path.
			id = 0
		}
		ids[id] = true
		e := QuarantineEntry{Run: run, Kind: KindUnlisted, ID: id, Size: u.size, Files: []KeptFile{{Name: u.name}},
			Recipients: []QuarantinedRecipient{}, RemovedAt: when, dir: dir}
		if !whenOK {
			e.RemovedAt = u.mtime.UTC()
		}
		if !strings.Contains(u.name, "/") {
			e.Mess = u.name
		}
		if err := fn(&e); err != nil {
			return nil, err
		}
	}
	return problems, nil
}

// keptStat is a file found in a run directory.
type keptStat struct {
	name  string
	size  int64
	mtime time.Time
}

// unlistedFiles returns the files of runDir, and of its subdirectories one
// level down, that listed does not name; the manifests and the temporary
// files of their rewrites aside.
func unlistedFiles(runDir string, listed map[string]bool) ([]keptStat, error) {
	var out []keptStat
	var walk func(rel string, depth int) error
	walk = func(rel string, depth int) error {
		des, err := os.ReadDir(filepath.Join(runDir, rel))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("quarantine: %w", err)
		}
		for _, de := range des {
			name := path.Join(rel, de.Name())
			if rel == "" && (name == ManifestName || name == legacyFsckManifest || strings.HasPrefix(name, "."+ManifestName)) {
				continue
			}
			if de.IsDir() && depth == 0 {
				if err := walk(name, 1); err != nil {
					return err
				}
				continue
			}
			if listed[name] {
				continue
			}
			info, err := de.Info()
			if err != nil {
				continue
			}
			out = append(out, keptStat{name: name, size: info.Size(), mtime: info.ModTime()})
		}
		return nil
	}
	return out, walk("", 0)
}

// maxKeptRecord bounds what is read of a saved record file.
const maxKeptRecord = 16 << 20

// completeFsckSave fills in an fsck save's envelope, birth, size and mess
// from the files it holds: the sender from info or todo, the pending
// recipients from local and remote or todo.
func completeFsckSave(runDir string, e *QuarantineEntry) {
	var todo, info, local, remote []byte
	var haveTodo, haveInfo bool
	for _, f := range e.Files {
		kind, _, _ := strings.Cut(f.From, "/")
		p := filepath.Join(runDir, f.Name)
		switch kind {
		case "mess":
			e.Mess = f.Name
			var st unix.Stat_t
			if unix.Lstat(p, &st) == nil {
				e.Size, e.MessInode = st.Size, st.Ino
			}
			if file, err := openKept(p); err == nil {
				if h, err := ParseHeader(file); err == nil {
					e.Subject = h.Subject()
				}
				file.Close()
			}
		case "todo", "intd":
			if !haveTodo {
				todo, haveTodo = readKept(p), true
			}
		case "info":
			info, haveInfo = readKept(p), true
			var st unix.Stat_t
			if unix.Lstat(p, &st) == nil {
				e.Birth = timespec(st.Mtim).UTC()
			}
		case "local":
			local = readKept(p)
		case "remote":
			remote = readKept(p)
		case "bounce":
			e.Bouncing = true
		}
	}
	e.Recipients = []QuarantinedRecipient{}
	e.Done = 0
	switch {
	case haveInfo:
		if sender, err := ParseInfo(info); err == nil {
			e.Sender, e.SenderKnown = Address(sender), true
		}
		for _, part := range []struct {
			b []byte
			c Channel
		}{{local, ChannelLocal}, {remote, ChannelRemote}} {
			rcpts, _ := ParseRecipients(part.b, part.c)
			for _, r := range rcpts {
				if r.Done {
					e.Done++
					continue
				}
				e.Recipients = append(e.Recipients, QuarantinedRecipient{Address: Address(r.Address), Channel: part.c.String()})
			}
		}
		e.State = StatePreprocessed.Code()
	case haveTodo:
		env, _ := ParseTodo(todo)
		if env.HasSender {
			e.Sender, e.SenderKnown = Address(env.Sender), true
		}
		for _, r := range env.Recipients {
			e.Recipients = append(e.Recipients, QuarantinedRecipient{Address: Address(r), Channel: ChannelUnknown.String()})
		}
		e.State = StateQueued.Code()
	}
}

// readKept reads at most maxKeptRecord bytes of a kept file; nil when it
// cannot be read.
func readKept(p string) []byte {
	file, err := openKept(p)
	if err != nil {
		return nil
	}
	defer file.Close()
	b, _ := io.ReadAll(io.LimitReader(file, maxKeptRecord))
	return b
}

// LoadQuarantine reads every run of the quarantine in dir, oldest run first,
// without taking its lock ([WalkQuarantine]). problems lists manifest
// lines that do not parse, entries whose mess file is missing, and
// interrupted runs. A quarantine that does not exist is empty.
func LoadQuarantine(dir string) (entries []QuarantineEntry, problems []string, err error) {
	problems, err = WalkQuarantine(dir, func(e *QuarantineEntry) error {
		entries = append(entries, *e)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return entries, problems, nil
}

// WalkQuarantine calls fn for each entry of the quarantine in dir, in
// [LoadQuarantine]'s order, without taking its lock, and returns the same
// problems once every run is read. It holds one entry at a time, besides
// the names of one run's files and the IDs of its entries (and the
// entries of an fsck run, to merge an fsck save's lines), so
// that listing a quarantine of a million removed messages does not hold
// a million entries; fn is given an entry it must not keep: fn copies
// what it keeps. An error of fn stops the walk and is returned as it is.
func WalkQuarantine(dir string, fn func(*QuarantineEntry) error) (problems []string, err error) {
	runs, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	for _, run := range runs {
		if !run.IsDir() || strings.HasPrefix(run.Name(), ".") {
			continue
		}
		ps, err := readRun(dir, run.Name(), fn)
		if err != nil {
			return problems, err
		}
		problems = append(problems, ps...)
	}
	return problems, nil
}

// Purge removes entries from the quarantine: their mess files and manifest
// lines. A run left without entries is removed whole. Each manifest is
// replaced atomically before the files it no longer lists are unlinked, so a
// crash leaves at worst a file no line refers to.
func (z *Quarantine) Purge(entries []QuarantineEntry) error {
	return z.rewrite(entries, func(e *QuarantineEntry) bool { return false })
}

// PurgeEntries deletes entries for good from the quarantine in dir,
// opened (and locked) for the purge: [Quarantine.Purge] for a caller that
// has a directory rather than an open quarantine (qq quarantine purge), as
// [RequeuePlan.Apply] is for a requeue. The error is the quarantine's (a
// busy one wraps [ErrQuarantineBusy]) or Purge's.
func PurgeEntries(dir string, entries []QuarantineEntry) error {
	z, err := OpenQuarantine(dir)
	if err != nil {
		return err
	}
	defer z.Close()
	return z.Purge(entries)
}

// PurgeSummary says what a purge of entries from the quarantine in dir
// did, "purged 3 messages (1.2 KiB) from DIR", or (done false, a dry run)
// would do, "would purge 3 messages (1.2 KiB) from DIR".
func PurgeSummary(entries []QuarantineEntry, dir string, done bool) string {
	verb := "would purge"
	if done {
		verb = "purged"
	}
	return fmt.Sprintf("%s %d messages (%s) from %s", verb, len(entries), FormatSize(EntriesSize(entries)), dir)
}

// EntriesSize is the size of the messages of entries, in bytes.
func EntriesSize(entries []QuarantineEntry) int64 {
	var bytes int64
	for _, e := range entries {
		bytes += e.Size
	}
	return bytes
}

// Update writes changed entries (requeue marks) back into their manifests.
func (z *Quarantine) Update(entries []QuarantineEntry) error {
	return z.rewrite(entries, func(e *QuarantineEntry) bool { return true })
}

// rewrite replaces, in each run concerned, the lines of the given entries
// with their new content (keep true) or drops them and their files (keep
// false).
func (z *Quarantine) rewrite(entries []QuarantineEntry, keep func(*QuarantineEntry) bool) error {
	byRun := map[string]map[string]*QuarantineEntry{}
	for i := range entries {
		e := &entries[i]
		if byRun[e.Run] == nil {
			byRun[e.Run] = map[string]*QuarantineEntry{}
		}
		byRun[e.Run][e.Name()] = e
	}
	runs := make([]string, 0, len(byRun))
	for run := range byRun {
		runs = append(runs, run)
	}
	slices.Sort(runs)
	for _, run := range runs {
		if err := z.rewriteRun(run, byRun[run], keep); err != nil {
			return err
		}
	}
	return nil
}

func (z *Quarantine) rewriteRun(run string, changes map[string]*QuarantineEntry, keep func(*QuarantineEntry) bool) error {
	if run == "" || strings.ContainsRune(run, '/') || run == "." || run == ".." {
		return fmt.Errorf("quarantine: bad run name %q", run)
	}
	dir := filepath.Join(z.Dir, run)
	var current []QuarantineEntry
	if _, err := readManifest(dir, run, func(e *QuarantineEntry) error {
		current = append(current, *e)
		return nil
	}); err != nil {
		return err
	}
	var out bytes.Buffer
	var drop []string
	kept := 0
	for i := range current {
		e := &current[i]
		if c, ok := changes[e.Name()]; ok {
			delete(changes, e.Name())
			if !keep(c) {
				drop = append(drop, e.keptNames()...)
				continue
			}
			e = c
		}
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		out.Write(line)
		out.WriteByte('\n')
		kept++
	}
	// What no manifest line lists (unlisted files) is only dropped.
	for _, c := range changes {
		if c.Kind == KindUnlisted && !keep(c) {
			drop = append(drop, c.keptNames()...)
		}
	}
	if kept == 0 {
		unlisted, err := unlistedFiles(dir, nameSet(drop))
		if err != nil {
			return err
		}
		if len(unlisted) == 0 {
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("quarantine: %w", err)
			}
			return syncDir(z.Dir)
		}
	}
	if err := renameio.WriteFile(filepath.Join(dir, ManifestName), out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	// A run of an earlier qq fsck now has its manifest in today's format.
	if err := os.Remove(filepath.Join(dir, legacyFsckManifest)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("quarantine: %w", err)
	}
	for _, name := range drop {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("quarantine: %w", err)
		}
		if sub := path.Dir(name); sub != "." {
			os.Remove(filepath.Join(dir, sub)) // only when empty
		}
	}
	return syncDir(dir)
}

// nameSet returns names as a set.
func nameSet(names []string) map[string]bool {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

// Message returns the entry as a Message (with its pending recipients), so
// that the queue's filters apply to quarantined messages too.
func (e *QuarantineEntry) Message() *Message {
	m := &Message{ID: e.ID, Birth: e.Birth, Size: e.Size, MessInode: e.MessInode, Sender: string(e.Sender), Bouncing: e.Bouncing}
	for s := StateMessOnly; s <= StatePreprocessed; s++ {
		if s.Code() == e.State {
			m.State = s
		}
	}
	for _, r := range e.Recipients {
		c := ChannelUnknown
		switch r.Channel {
		case "local":
			c, m.LocalFile = ChannelLocal, true
		case "remote":
			c, m.RemoteFile = ChannelRemote, true
		}
		m.Recipients = append(m.Recipients, Recipient{Address: string(r.Address), Channel: c})
	}
	return m
}

// Matches reports whether the entry passes filter f, as its message would
// have in the queue; header and body criteria read the kept mess file in
// quarantine dir.
func (e *QuarantineEntry) Matches(f *Filter, dir string) (bool, error) {
	m := e.Message()
	path := e.MessPath(dir)
	return f.match(m, func() {
		if m.Header != nil {
			return
		}
		m.Header = &Header{}
		if path == "" {
			return
		}
		// A kept file may still be linked in the queue by an interrupted rm.
		file, err := OpenQueueFile(path, 0, MaxLinksTodo)
		if err != nil {
			m.problem(e.Name(), err.Error())
			return
		}
		defer file.Close()
		if h, err := ParseHeader(file); err == nil {
			m.Header = h
		}
	}, func(int64) (io.ReadCloser, error) {
		if path == "" {
			return nil, io.EOF
		}
		return OpenQueueFile(path, 0, MaxLinksTodo)
	})
}

// localName reports whether name ("" allowed) is a path that stays inside
// the run directory.
func localName(name string) bool {
	return name == "" || filepath.IsLocal(name)
}
