package qmailqueue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Target is a message chosen for a change, with the fingerprint it had when
// it was chosen. Right before the change, the message is read again and
// changed only if its fingerprint is the same: IDs are inode numbers, reused
// as soon as a message leaves the queue (docs/queue.md §2, §10 rule 5).
type Target struct {
	ID          uint64
	Fingerprint Fingerprint
	// Subject is the decoded subject seen when the message was chosen, kept
	// in the quarantine manifest for people; "" when headers were not read.
	Subject string
}

// TargetOf returns the target for a message read with FieldFingerprint (and
// FieldHeader for the subject).
func TargetOf(m *Message) Target {
	t := Target{ID: m.ID, Fingerprint: m.Fingerprint()}
	if m.Header != nil {
		t.Subject = m.Header.Subject()
	}
	return t
}

// Outcome is what happened to one target of a change.
type Outcome int

// The outcomes of a change.
const (
	// Done: the message was changed (removed, expired).
	Done Outcome = iota + 1
	// Changed: the ID now names a different message, or the message was
	// changed since it was chosen (fingerprint differs); nothing was done.
	Changed
	// Vanished: the message left the queue before it was touched.
	Vanished
	// Refused: the message is in a state the change must not touch (being
	// written by qmail-queue; not yet preprocessed, for expire).
	Refused
	// Failed: a system call failed; Err says which.
	Failed
)

// String returns the outcome's name as reports print it.
func (o Outcome) String() string {
	switch o {
	case Done:
		return "done"
	case Changed:
		return "changed"
	case Vanished:
		return "vanished"
	case Refused:
		return "refused"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Result is the outcome of a change for one target.
type Result struct {
	Target  Target
	Outcome Outcome
	// Reason explains an outcome other than Done in a few words.
	Reason string
	// Err is set for Failed.
	Err error
	// Size and Sender are those of the message as it was right before the
	// change (zero for Changed and Vanished).
	Size   int64
	Sender string
	// Quarantined is the quarantine entry made for a removed message, nil
	// without quarantine.
	Quarantined *QuarantineEntry
}

// Stats counts the outcomes of a change.
type Stats struct {
	Done, Changed, Vanished, Refused, Failed int
	// Bytes is the total size of the messages changed.
	Bytes int64
}

func (s *Stats) add(r Result) {
	switch r.Outcome {
	case Done:
		s.Done++
		s.Bytes += r.Size
	case Changed:
		s.Changed++
	case Vanished:
		s.Vanished++
	case Refused:
		s.Refused++
	case Failed:
		s.Failed++
	}
}

// Ossified is qmail-send's OSSIFIED: a mess file without info and todo
// (S2, S3) younger than this, by atime, may belong to a qmail-queue still
// running (its DEATH is 24 h), so it is not touched (docs/queue.md §4.6, §10 rule 15).
const Ossified = 129600 * time.Second

// DefaultBatch is how many messages [Queue.Remove] handles between two
// rounds of directory fsyncs.
const DefaultBatch = 1000

// RemoveOptions configures [Queue.Remove].
type RemoveOptions struct {
	// Quarantine, when not nil, receives a durable copy of each message
	// (mess file and envelope) before the first of its queue files is
	// unlinked.
	Quarantine *QuarantineRun
	// Now is the clock for the S2/S3 age test (against the real atime of
	// mess); zero means time.Now.
	Now time.Time
	// Batch is how many messages are handled between directory fsyncs;
	// zero means DefaultBatch.
	Batch int
	// BeforeUnlink, when set, is called once per batch after the batch's
	// messages were checked (and quarantined) and before the first unlink.
	// Tests use it to stand for a crash or a race at that point.
	BeforeUnlink func(ids []uint64)
}

// queueFiles are the per-message files in the unlink order of docs/queue.md §10 rule
// 14, grouped into the stages Remove makes durable one after the other:
// first everything that needs info to make sense, then info, then mess,
// whose inode keeps the ID reserved until the very end.
var removeStages = [][]string{
	{"intd", "todo", "local", "remote", "bounce"},
	{"info"},
	{"mess"},
}

// Remove removes the target messages from the queue. qmail-send must be
// stopped, and kept from starting, for the whole call (svc.Maintenance):
// deleting files qmail-send holds in its queues breaks it (docs/queue.md §10 rule 8).
//
// Messages are handled in batches. For each message of a batch, right before
// it is touched, Remove reads it again and skips it if it vanished, if its
// fingerprint differs from the target's (the ID was reused, or the message
// changed since it was chosen), or if it is an S2/S3 message younger than
// [Ossified] (a qmail-queue may still be writing it). With a quarantine, a
// copy of the message and its envelope is then made durable. Then the
// batch's files are unlinked in the order of docs/queue.md §10 rule 14 (intd, todo,
// local, remote, bounce; info; mess last), each stage made durable by an
// fsync of the directories it changed before the next starts, so that a
// crash at any point leaves every message in a legal state (S1–S5) and every
// message that lost a file with a complete quarantine copy. ENOENT counts as
// success, as in qmail-clean; lock/ is never touched.
//
// report, if not nil, is called once per target, in order, after its batch.
// When ctx is cancelled, the batch under way is finished (its messages are
// already quarantined), the remaining targets are left alone and ctx's error
// is returned.
func (q *Queue) Remove(ctx context.Context, targets []Target, opts RemoveOptions, report func(Result)) (Stats, error) {
	var stats Stats
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for start := 0; start < len(targets); start += batch {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		end := min(start+batch, len(targets))
		results, err := q.removeBatch(ctx, targets[start:end], opts)
		for _, r := range results {
			stats.add(r)
			if report != nil {
				report(r)
			}
		}
		if err != nil {
			return stats, err
		}
	}
	return stats, nil
}

// removeBatch checks, quarantines and removes one batch. A returned error
// stops the whole removal: the quarantine could not be made durable, or the
// queue directories could not be synced.
func (q *Queue) removeBatch(ctx context.Context, targets []Target, opts RemoveOptions) ([]Result, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	results := make([]Result, 0, len(targets))
	var live []int // indexes into results of the messages to unlink
	dirs := newDirCache(q)
	defer dirs.close()
	for _, t := range targets {
		if ctx.Err() != nil {
			// Nothing of this message was touched; the ones already
			// quarantined are removed below.
			break
		}
		r, m := q.recheck(dirs, t, now, true)
		if r.Outcome == 0 && opts.Quarantine != nil {
			e, err := opts.Quarantine.add(q, m, t.Subject)
			if err != nil {
				r.Outcome, r.Reason, r.Err = Failed, "could not quarantine", err
			} else {
				r.Quarantined = e
			}
		}
		results = append(results, r)
		if r.Outcome == 0 {
			live = append(live, len(results)-1)
		}
	}
	if len(live) == 0 {
		return results, nil
	}
	if opts.Quarantine != nil {
		// The copies are durable before the first queue file goes.
		if err := opts.Quarantine.sync(); err != nil {
			for _, i := range live {
				results[i].Outcome, results[i].Reason, results[i].Err = Failed, "could not sync the quarantine", err
			}
			return results, err
		}
	}
	if opts.BeforeUnlink != nil {
		ids := make([]uint64, len(live))
		for k, i := range live {
			ids[k] = results[i].Target.ID
		}
		opts.BeforeUnlink(ids)
	}
	// Messages of one split subdirectory are unlinked by one goroutine,
	// in order; the subdirectories in parallel. Freeing an inode costs a
	// few hundred microseconds of metadata I/O on a large queue, and
	// unlinks in different directories do not wait for each other.
	bySplit := make([][]int, q.Split)
	for _, i := range live {
		n := q.SplitOf(results[i].Target.ID)
		bySplit[n] = append(bySplit[n], i)
	}
	for _, kinds := range removeStages {
		dirs := q.unlinkStage(results, bySplit, kinds)
		if err := syncDirs(dirs); err != nil {
			for _, i := range live {
				if results[i].Outcome == 0 {
					results[i].Outcome, results[i].Reason, results[i].Err = Failed, "could not sync the queue", err
				}
			}
			return results, err
		}
	}
	for _, i := range live {
		if results[i].Outcome == 0 {
			results[i].Outcome = Done
		}
	}
	return results, nil
}

// unlinkWorkers bounds how many goroutines unlink files at a time.
const unlinkWorkers = 8

// unlinkStage unlinks the files of kinds (in that order) of the messages
// results[i] for i in bySplit, one goroutine per split subdirectory at a
// time, and returns the directories it changed. A message whose unlink
// fails is marked Failed and left out of the later stages.
func (q *Queue) unlinkStage(results []Result, bySplit [][]int, kinds []string) map[string]bool {
	var mu sync.Mutex
	dirs := map[string]bool{}
	work := make(chan []int)
	var wg sync.WaitGroup
	for range min(unlinkWorkers, len(bySplit)) {
		wg.Go(func() {
			changed := map[string]bool{}
			for idx := range work {
				for _, i := range idx {
					q.unlinkKinds(&results[i], kinds, changed)
				}
			}
			mu.Lock()
			for d := range changed {
				dirs[d] = true
			}
			mu.Unlock()
		})
	}
	for _, idx := range bySplit {
		if len(idx) > 0 {
			work <- idx
		}
	}
	close(work)
	wg.Wait()
	return dirs
}

// unlinkKinds unlinks one message's files of kinds, in order, noting the
// directories changed. ENOENT counts as success, as in qmail-clean.
func (q *Queue) unlinkKinds(r *Result, kinds []string, changed map[string]bool) {
	if r.Outcome == Failed {
		return
	}
	for _, kind := range kinds {
		if r.Target.Fingerprint.MessInode == 0 && (kind == "intd" || kind == "todo" || kind == "mess") && q.hasMess(r.Target.ID) {
			// A message without mess (info without mess, say) does not
			// hold its ID: qmail-queue may have been handed that inode
			// number since the re-check, and it makes mess first. Its
			// mess, intd and todo are the new message's: leave them.
			// (info, local, remote and bounce are qmail-send's, which is
			// stopped: they are still the old message's.)
			r.Outcome, r.Reason = Changed, "its ID now names a new message"
			return
		}
		path := q.Path(kind, r.Target.ID)
		err := unix.Unlink(path)
		if err == nil {
			changed[filepath.Dir(path)] = true
			continue
		}
		if err == unix.ENOENT {
			continue
		}
		// Stop here for this message: the later stages would leave it in
		// an illegal state (docs/queue.md §10 rule 14).
		r.Outcome, r.Reason = Failed, "could not unlink "+kind
		r.Err = fmt.Errorf("remove %d: %w", r.Target.ID, &os.PathError{Op: "unlink", Path: path, Err: err})
		return
	}
}

// hasMess reports whether mess/N/id exists (of whatever type).
func (q *Queue) hasMess(id uint64) bool {
	var st unix.Stat_t
	return unix.Lstat(q.Path("mess", id), &st) == nil
}

// recheck reads a target again right before it is changed. It returns a
// Result with Outcome 0 and the message when the change may go ahead, or a
// Result saying why not. removing selects the S2/S3 age rule of removal.
func (q *Queue) recheck(c *dirCache, t Target, now time.Time, removing bool) (Result, *Message) {
	r := Result{Target: t}
	m, err := c.message(t.ID, FieldFingerprint|FieldRecipients)
	switch {
	case errors.Is(err, ErrNotFound):
		r.Outcome, r.Reason = Vanished, "no longer in the queue"
		return r, nil
	case err != nil:
		r.Outcome, r.Reason, r.Err = Failed, "could not read it again", err
		return r, nil
	}
	if !m.Fingerprint().Equal(t.Fingerprint) {
		r.Outcome = Changed
		r.Reason = "changed since it was selected"
		if m.MessInode != t.Fingerprint.MessInode || UnixNano(m.Birth) != t.Fingerprint.Birth {
			r.Reason = "the ID now names another message"
		}
		return r, nil
	}
	r.Size, r.Sender = m.Size, m.Sender
	if p, refused := m.Refusal(); refused {
		// Never followed, copied or moved: fsck says what to do by hand.
		r.Outcome, r.Reason = Refused, p.String()
		return r, nil
	}
	if removing && (m.State == StateMessOnly || m.State == StateWriting) {
		var st unix.Stat_t
		if err := unix.Lstat(q.Path("mess", t.ID), &st); err != nil {
			r.Outcome, r.Reason, r.Err = Failed, "could not stat mess", err
			return r, nil
		}
		if now.Sub(timespec(st.Atim)) <= Ossified {
			r.Outcome = Refused
			r.Reason = "mess without todo or info younger than 36 h: qmail-queue may still be writing it"
			return r, nil
		}
	}
	return r, m
}

// dirCache keeps the split subdirectories a change has opened, so that
// re-reading thousands of messages opens each directory once.
type dirCache struct {
	q      *Queue
	splits map[int]*splitDirs
	r      *reader
}

func newDirCache(q *Queue) *dirCache {
	return &dirCache{q: q, splits: map[int]*splitDirs{}, r: &reader{q: q, buf: make([]byte, 8192)}}
}

// message reads message id with fields need through the cached directories.
func (c *dirCache) message(id uint64, need Fields) (*Message, error) {
	n := c.q.SplitOf(id)
	d, ok := c.splits[n]
	if !ok {
		var err error
		if d, err = c.q.openSplit(n, need); err != nil {
			return nil, err
		}
		d.refs.Store(1)
		c.splits[n] = d
	}
	return c.q.messageIn(d, c.r, id, need)
}

// close closes every cached directory.
func (c *dirCache) close() {
	for _, d := range c.splits {
		d.release()
	}
	clear(c.splits)
}

// syncDirs fsyncs each directory, so that the unlinks in it are durable.
func syncDirs(dirs map[string]bool) error {
	for dir := range dirs {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}
