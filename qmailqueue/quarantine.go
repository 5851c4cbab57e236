package qmailqueue

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/renameio/v2"
	"golang.org/x/sys/unix"
)

// A quarantine is a directory where qq rm keeps what it removes, so that a
// mistake can be undone by re-injecting the messages (qq requeue). Its
// layout:
//
//	DIR/                     mode 0700
//	  .lock                  flock-ed by whoever changes the quarantine
//	  20261122T120000Z-4242/ one directory per run of qq rm
//	    manifest.jsonl       one QuarantineEntry per line, JSON
//	    9995400              the mess file of message 9995400
//
// Each mess file is a hard link to the queue's mess file when the quarantine
// is on the queue's filesystem (a 34 MB message moves for free), otherwise a
// copy. Either way the copy and its manifest line are fsync-ed, with the run
// directory, before the first of the message's queue files is unlinked
// ([Queue.Remove]).

// ManifestName is the name of a run's manifest in its directory.
const ManifestName = "manifest.jsonl"

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
}

// Name is how commands refer to the entry: RUN/ID.
func (e *QuarantineEntry) Name() string { return e.Run + "/" + strconv.FormatUint(e.ID, 10) }

// Envelope returns the sender and pending recipients to re-inject.
func (e *QuarantineEntry) Envelope() (sender string, recipients []string) {
	for _, r := range e.Recipients {
		recipients = append(recipients, string(r.Address))
	}
	return string(e.Sender), recipients
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
	start    time.Time // the run's start, as the caller's clock gave it
	started  time.Time // the same moment on the real clock
}

// NewRun starts a run directory named after now (UTC) and the process ID.
// Each message's removal time is now plus the time elapsed since.
// reason is recorded with every message (qq's command line); rewrite, when
// not nil, maps local recipients back to their envelope addresses.
func (z *Quarantine) NewRun(reason string, rewrite *Rewrite, now time.Time) (*QuarantineRun, error) {
	base := now.UTC().Format("20060102T150405Z") + "-" + strconv.Itoa(os.Getpid())
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
	// Copied only if still a plain regular file of inode: never a link's
	// target (OpenQueueFile).
	in, err := OpenQueueFile(src, inode, MaxLinks)
	if err != nil {
		return false, err
	}
	defer in.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(in.Fd()), &st); err != nil {
		return false, err
	}
	if st.Ino != inode {
		return false, fmt.Errorf("%s is no longer inode %d", src, inode)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return false, err
	}
	// Keep the times (birth in the Received line aside, the mtime says
	// when qmail-queue wrote it).
	ts := []unix.Timespec{st.Atim, st.Mtim}
	unix.UtimesNano(dst, ts)
	return false, nil
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

// ParseManifest reads the lines of a run's manifest. A last line without a
// newline (a write cut short by a crash, before the messages it describes
// were touched) is ignored; other lines that do not parse are reported as
// problems, naming their line numbers.
func ParseManifest(run string, b []byte) ([]QuarantineEntry, []string) {
	var entries []QuarantineEntry
	var problems []string
	n := 0
	for len(b) > 0 {
		n++
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%s line %d: incomplete last line ignored", run, n))
			break
		}
		line := b[:i]
		b = b[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e QuarantineEntry
		if err := json.Unmarshal(line, &e); err != nil {
			problems = append(problems, fmt.Sprintf("%s line %d: %v", run, n, err))
			continue
		}
		if e.ID == 0 {
			problems = append(problems, fmt.Sprintf("%s line %d: no message ID", run, n))
			continue
		}
		e.Run = run
		if e.Recipients == nil {
			e.Recipients = []QuarantinedRecipient{}
		}
		entries = append(entries, e)
	}
	return entries, problems
}

// LoadQuarantine reads every run of the quarantine in dir, oldest run first,
// without taking its lock. problems lists manifest lines that do not parse,
// and entries whose mess file is missing. A quarantine that does not exist
// is empty.
func LoadQuarantine(dir string) (entries []QuarantineEntry, problems []string, err error) {
	runs, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("quarantine: %w", err)
	}
	for _, run := range runs {
		if !run.IsDir() || strings.HasPrefix(run.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, run.Name(), ManifestName))
		if errors.Is(err, fs.ErrNotExist) {
			// qq fsck keeps the files it repairs in runs of its own
			// (fsck-<time>, with a MANIFEST); they are not messages.
			if _, err := os.Lstat(filepath.Join(dir, run.Name(), "MANIFEST")); err != nil {
				problems = append(problems, run.Name()+": no "+ManifestName)
			}
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("quarantine: %w", err)
		}
		es, ps := ParseManifest(run.Name(), b)
		problems = append(problems, ps...)
		for _, e := range es {
			if p := e.MessPath(dir); p != "" {
				if _, err := os.Lstat(p); err != nil {
					problems = append(problems, fmt.Sprintf("%s: mess file: %v", e.Name(), err))
				}
			}
		}
		entries = append(entries, es...)
	}
	return entries, problems, nil
}

// Purge removes entries from the quarantine: their mess files and manifest
// lines. A run left without entries is removed whole. Each manifest is
// replaced atomically before the files it no longer lists are unlinked, so a
// crash leaves at worst a file no line refers to.
func (z *Quarantine) Purge(entries []QuarantineEntry) error {
	return z.rewrite(entries, func(e *QuarantineEntry) bool { return false })
}

// Update writes changed entries (requeue marks) back into their manifests.
func (z *Quarantine) Update(entries []QuarantineEntry) error {
	return z.rewrite(entries, func(e *QuarantineEntry) bool { return true })
}

// rewrite replaces, in each run concerned, the lines of the given entries
// with their new content (keep true) or drops them (keep false).
func (z *Quarantine) rewrite(entries []QuarantineEntry, keep func(*QuarantineEntry) bool) error {
	byRun := map[string]map[uint64]*QuarantineEntry{}
	for i := range entries {
		e := &entries[i]
		if byRun[e.Run] == nil {
			byRun[e.Run] = map[uint64]*QuarantineEntry{}
		}
		byRun[e.Run][e.ID] = e
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

func (z *Quarantine) rewriteRun(run string, changes map[uint64]*QuarantineEntry, keep func(*QuarantineEntry) bool) error {
	if run == "" || strings.ContainsRune(run, '/') || run == "." || run == ".." {
		return fmt.Errorf("quarantine: bad run name %q", run)
	}
	dir := filepath.Join(z.Dir, run)
	path := filepath.Join(dir, ManifestName)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	current, _ := ParseManifest(run, b)
	var out bytes.Buffer
	var drop []string
	kept := 0
	for i := range current {
		e := &current[i]
		if c, ok := changes[e.ID]; ok {
			if !keep(c) {
				if e.Mess != "" {
					drop = append(drop, e.Mess)
				}
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
	if kept == 0 {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		return syncDir(z.Dir)
	}
	if err := renameio.WriteFile(path, out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	for _, name := range drop {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("quarantine: %w", err)
		}
	}
	return syncDir(dir)
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
