package qmailqueue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Re-injection of quarantined messages (qq requeue, and the browser's
// "put back"): [PlanRequeue] sorts the entries into those that can go back
// and those refused with a reason; [Quarantine.Requeue] feeds the first to
// qmail-queue and marks each in its manifest, crash-safe in batches.

// RequeueOutcome is what happened to one entry of a requeue.
type RequeueOutcome int

// The outcomes of a requeue.
const (
	// Requeued: qmail-queue accepted the message; NewID is its new ID
	// when it was found.
	Requeued RequeueOutcome = iota + 1
	// RequeueRefused: the entry cannot be re-injected; Reason says why.
	RequeueRefused
	// RequeueFailed: qmail-queue (or reading the kept file) failed; Err
	// says how.
	RequeueFailed
)

// String returns the outcome's name as reports print it.
func (o RequeueOutcome) String() string {
	switch o {
	case Requeued:
		return "requeued"
	case RequeueRefused:
		return "refused"
	case RequeueFailed:
		return "failed"
	}
	return "planned"
}

// RequeueResult is the outcome of a requeue for one entry.
type RequeueResult struct {
	Entry   *QuarantineEntry
	Outcome RequeueOutcome
	// NewID is the message's new ID, 0 when it was not found (a
	// $QMAILQUEUE wrapper runs qmail-queue under another pid).
	NewID uint64
	// PID is the qmail-queue process's.
	PID int
	// Reason (refused) or Err (failed) explains the outcome. Err is set
	// for a requeued message too when its new ID could not be looked for.
	Reason string
	Err    error
}

// RequeuePlan is what a requeue is about to do.
type RequeuePlan struct {
	// Todo are the entries to re-inject.
	Todo []QuarantineEntry
	// Refused are those that cannot be, with their reasons.
	Refused []RequeueResult
	// Again is PlanRequeue's again: entries requeued before are planned.
	Again bool
}

// PlanRequeue sorts entries into those that can be re-injected into q and
// those that cannot. Entries requeued before are left out altogether
// unless again is true.
func PlanRequeue(q *Queue, entries []QuarantineEntry, again bool) *RequeuePlan {
	p := &RequeuePlan{Again: again}
	for i := range entries {
		e := &entries[i]
		if e.RequeuedAt != nil && !again {
			continue
		}
		if reason := e.RequeueRefusal(q); reason != "" {
			p.Refused = append(p.Refused, RequeueResult{Entry: e, Outcome: RequeueRefused, Reason: reason})
			continue
		}
		p.Todo = append(p.Todo, *e)
	}
	return p
}

// RequeueRefusal returns why the entry cannot be re-injected into q, or ""
// when it can: a message file (there, for an entry read from a quarantine)
// and an envelope with a recipient were kept,
// and the message is not still in the queue (not looked for when q is
// nil).
func (e *QuarantineEntry) RequeueRefusal(q *Queue) string {
	switch {
	case e.Kind == KindUnlisted:
		return "a file no manifest line describes (an interrupted run): its envelope is unknown; purge it, or queue it with qq requeue --file"
	case e.Mess == "" && e.Kind == KindFsckSave:
		return "fsck saved no message file for it (its mess was missing)"
	case e.Mess == "":
		return "no message file was kept (its mess was missing from the queue)"
	case e.dir != "" && !keptFileThere(e.MessPath(e.dir)):
		return "its kept message file is missing (an interrupted run); purge this entry"
	case e.Kind == KindFsckSave && !e.SenderKnown:
		return "fsck saved no info or todo file for it: the sender is lost; queue its mess with qq requeue --file and --from"
	case len(e.Recipients) == 0:
		return "no recipient was pending"
	case q != nil && e.InQueue(q):
		return "the message is still in the queue; purge this entry instead"
	}
	return ""
}

// keptFileThere reports whether a kept file exists (without following a
// link: reading it checks the rest).
func keptFileThere(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// requeueBatch is how many entries are re-injected between two updates of
// the manifests: a crash between qmail-queue's success and the mark
// requeues at most one batch twice.
const requeueBatch = 500

// Requeue re-injects entries (from [PlanRequeue]'s Todo) through inj and
// marks each requeued entry in its manifest with the time and its new ID,
// found in queue q. progress, when set, is called once per entry as its
// outcome is known. Cancelling ctx stops between two messages (a
// qmail-queue once started is never killed) and the batch under way is
// marked. The error is ctx's, or a manifest that could not be updated;
// failed injections are in the results.
func (z *Quarantine) Requeue(ctx context.Context, q *Queue, inj *Injector, entries []QuarantineEntry, progress func(RequeueResult)) ([]RequeueResult, error) {
	var results []RequeueResult
	report := func(r RequeueResult) {
		results = append(results, r)
		if progress != nil {
			progress(r)
		}
	}
	for start := 0; start < len(entries) && ctx.Err() == nil; start += requeueBatch {
		chunk := entries[start:min(start+requeueBatch, len(entries))]
		since := time.Now()
		pids := map[int]bool{}
		pidOf := make([]int, len(chunk))
		for i := range chunk {
			e := &chunk[i]
			if ctx.Err() != nil {
				chunk = chunk[:i]
				break
			}
			pid, err := z.inject(inj, e)
			if err != nil {
				report(RequeueResult{Entry: e, Outcome: RequeueFailed, PID: pid, Err: err})
				continue
			}
			pids[pid] = true
			pidOf[i] = pid
		}
		found, ferr := q.FindInjected(pids, since)
		at := time.Now().UTC()
		var marked []QuarantineEntry
		for i := range chunk {
			if pidOf[i] == 0 {
				continue
			}
			e := &chunk[i]
			r := RequeueResult{Entry: e, Outcome: Requeued, PID: pidOf[i]}
			if id, ok := found[pidOf[i]]; ok {
				r.NewID, e.RequeuedAs = id, id
			} else if ferr != nil && len(marked) == 0 {
				// Said once per batch, with its first message.
				r.Err = fmt.Errorf("looking for the new IDs: %w", ferr)
			}
			e.RequeuedAt = &at
			marked = append(marked, *e)
			report(r)
		}
		if err := z.Update(marked); err != nil {
			return results, fmt.Errorf("requeued %d messages, but could not mark them in the quarantine: %w", len(marked), err)
		}
	}
	return results, ctx.Err()
}

// inject feeds one kept message to qmail-queue.
func (z *Quarantine) inject(inj *Injector, e *QuarantineEntry) (int, error) {
	f, err := openKept(e.MessPath(z.Dir))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sender, rcpts := e.Envelope()
	return inj.Inject(f, sender, rcpts)
}

// openKept opens a file kept in the quarantine for reading as a queue
// file is read ([OpenQueueFile]): a link (kept by linking a planted mess
// link) is never followed. An interrupted rm may leave it linked in the
// queue too, hence two links at most.
func openKept(path string) (*os.File, error) {
	return OpenQueueFile(path, 0, MaxLinksTodo)
}

// Temporary reports whether a failed requeue may succeed when tried again:
// qmail-queue's temporary exit codes, or a failure to run it at all.
func (r RequeueResult) Temporary() bool {
	var ie *InjectError
	return r.Outcome == RequeueFailed && (!errors.As(r.Err, &ie) || ie.Temporary())
}

// InjectMessage queues one message read from message with the given
// envelope through inj (qq requeue --file) and looks for its new ID in q.
// The result's Entry is nil; Outcome is Requeued or RequeueFailed, and Err
// is set on a requeued message whose new ID could not be looked for.
func (q *Queue) InjectMessage(inj *Injector, message io.Reader, sender string, recipients []string) RequeueResult {
	since := time.Now()
	pid, err := inj.Inject(message, sender, recipients)
	if err != nil {
		return RequeueResult{Outcome: RequeueFailed, PID: pid, Err: err}
	}
	r := RequeueResult{Outcome: Requeued, PID: pid}
	found, err := q.FindInjected(map[int]bool{pid: true}, since)
	if err != nil {
		r.Err = fmt.Errorf("looking for the new ID: %w", err)
	}
	r.NewID = found[pid]
	return r
}

// RequeueStats counts the outcomes of a requeue.
type RequeueStats struct {
	Requeued, Failed int
	// Refused counts the entries refused when the plan was checked again
	// under the lock; Gone those another qq requeued or purged meanwhile.
	Refused, Gone int
	// Temporary tells whether any failure may succeed when tried again
	// ([RequeueResult.Temporary]).
	Temporary bool
	// LastErr is the error of the last failure.
	LastErr error
}

// Add counts one result.
func (s *RequeueStats) Add(r RequeueResult) {
	switch r.Outcome {
	case Requeued:
		s.Requeued++
	case RequeueFailed:
		s.Failed++
		s.LastErr = r.Err
		s.Temporary = s.Temporary || r.Temporary()
	}
}

// Err returns the error a requeue with failures ends with, nil without.
func (s *RequeueStats) Err() error {
	if s.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d messages not requeued: %w", s.Failed, s.LastErr)
}

// Summary is the one line a requeue of asked entries ends with, e.g.
// "requeued 2 of 3 messages as 51 52; 1 failed": how many went back, the
// first four of newIDs (when given), and how many failed, were refused
// (Refused) or were requeued or purged by another qq meanwhile (Gone).
func (s *RequeueStats) Summary(asked int, newIDs []uint64) string {
	line := fmt.Sprintf("requeued %d of %d messages", s.Requeued, asked)
	if len(newIDs) > 0 {
		const shown = 4
		var ids []string
		for _, id := range newIDs[:min(shown, len(newIDs))] {
			ids = append(ids, strconv.FormatUint(id, 10))
		}
		line += " as " + strings.Join(ids, " ")
		if len(newIDs) > shown {
			line += " …"
		}
	}
	if s.Failed > 0 {
		line += fmt.Sprintf("; %d failed", s.Failed)
	}
	if s.Refused > 0 {
		line += fmt.Sprintf("; %d refused", s.Refused)
	}
	if s.Gone > 0 {
		line += fmt.Sprintf("; %d requeued or purged by another qq meanwhile", s.Gone)
	}
	return line
}

// Apply re-injects the plan's Todo entries into q through inj, with the
// quarantine in dir opened (and locked) for the run: [Quarantine.Requeue]
// for people who have a directory rather than an open quarantine (qq
// requeue, the browser). progress is as for [Quarantine.Requeue]. The
// error is the quarantine's (a busy one is [ErrQuarantineBusy]) or
// Requeue's; failed injections are counted in the stats.
func (p *RequeuePlan) Apply(ctx context.Context, q *Queue, dir string, inj *Injector, progress func(RequeueResult)) (RequeueStats, error) {
	var stats RequeueStats
	z, err := OpenQuarantine(dir)
	if err != nil {
		return stats, err
	}
	defer z.Close()
	// The plan was made before the lock was taken, and a person may have
	// looked at it for a while: another qq may have requeued (mail
	// delivered twice if requeued again) or purged entries since.
	fresh, gone, err := z.Replan(q, p.Todo, p.Again)
	if err != nil {
		return stats, err
	}
	stats.Gone = gone
	for _, r := range fresh.Refused {
		stats.Refused++
		if progress != nil {
			progress(r)
		}
	}
	_, err = z.Requeue(ctx, q, inj, fresh.Todo, func(r RequeueResult) {
		stats.Add(r)
		if progress != nil {
			progress(r)
		}
	})
	return stats, err
}

// RequeueReport is the JSON view of one requeue result (qq requeue
// --format json prints one per line). Outcome is requeued, refused,
// failed, or planned for a dry run.
type RequeueReport struct {
	Entry   string  `json:"entry"`
	ID      uint64  `json:"id"`
	NewID   *uint64 `json:"new_id"`
	PID     int     `json:"pid"`
	Outcome string  `json:"outcome"`
	Error   string  `json:"error,omitempty"`
}

// Report returns the result's JSON view. A result without an entry
// ([Queue.InjectMessage]) has an empty Entry and ID 0.
func (r RequeueResult) Report() RequeueReport {
	v := RequeueReport{PID: r.PID, Outcome: r.Outcome.String(), Error: r.Reason}
	if r.Entry != nil {
		v.Entry, v.ID = r.Entry.Name(), r.Entry.ID
	}
	if r.Outcome == RequeueFailed {
		v.Error = r.Err.Error()
	}
	if r.NewID != 0 {
		id := r.NewID
		v.NewID = &id
	}
	return v
}

// EnvelopeArgs turns the sender and recipients given on a command line
// into an envelope: <> or "" is the null sender, <addr> is addr. The
// error says what qmail-queue would refuse ([EncodeEnvelope]).
func EnvelopeArgs(sender string, recipients []string) (string, []string, error) {
	rcpts := make([]string, len(recipients))
	for i, r := range recipients {
		rcpts[i] = AddressArg(r)
	}
	sender = AddressArg(sender)
	_, err := EncodeEnvelope(sender, rcpts)
	return sender, rcpts, err
}

// InjectFile queues the message in the file at path with the given
// envelope, as [Queue.InjectMessage] does. The error is that of opening
// the file; a failed injection is in the result.
func (q *Queue) InjectFile(inj *Injector, path, sender string, recipients []string) (RequeueResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return RequeueResult{}, err
	}
	defer f.Close()
	return q.InjectMessage(inj, f, sender, recipients), nil
}

// Describe says what became of the message, for people, after its name:
// with verb "requeued" (or "queued" for a message file), "requeued as
// 51", "requeued (new ID not found: qmail-queue pid 9)", "would be
// requeued" (planned: a dry run) or "not requeued: REASON" (refused or
// failed).
func (v RequeueReport) Describe(verb string) string {
	switch {
	case v.Outcome == Requeued.String() && v.NewID != nil:
		return fmt.Sprintf("%s as %d", verb, *v.NewID)
	case v.Outcome == Requeued.String():
		return fmt.Sprintf("%s (new ID not found: qmail-queue pid %d)", verb, v.PID)
	case v.Outcome == RequeueOutcome(0).String():
		return "would be " + verb
	}
	return fmt.Sprintf("not %s: %s", verb, v.Error)
}
