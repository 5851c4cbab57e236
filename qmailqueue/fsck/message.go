package fsck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/qqmail/qq/qmailqueue"
	"golang.org/x/sys/unix"
)

// worker checks the messages of one split subdirectory.
type worker struct {
	c        *checker
	n        int
	buf      []byte
	dirfd    [numKinds]int // fds of kind/n for split kinds, -1 otherwise
	messages int
	changed  int
}

// checkSplit lists kind/n for every split kind, adds the files of this
// split found elsewhere, and checks message by message in ID order.
func (w *worker) checkSplit(ctx context.Context) ([]*Finding, error) {
	c := w.c
	sub := strconv.Itoa(w.n)
	groups := map[uint64][]*entry{}
	for k := range numKinds {
		w.dirfd[k] = -1
	}
	defer func() {
		for _, fd := range w.dirfd {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}()
	for k := range numKinds {
		if !c.l.isSplit(k) || !c.splitOK[k][w.n] {
			continue
		}
		rel := k.String() + "/" + sub
		fd, err := unix.Open(c.l.abs(rel), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("read queue directory: %w", &os.PathError{Op: "open", Path: c.l.abs(rel), Err: err})
		}
		w.dirfd[k] = fd
		entries, err := readDir(c.l.abs(rel))
		if err != nil {
			return nil, err
		}
		for _, de := range entries {
			v, canonical, ok := parseName(de.Name())
			if !ok || int(v%uint64(c.l.split)) != w.n {
				continue // a stray or misplaced file: pass 1 has it
			}
			groups[v] = append(groups[v], &entry{kind: k, rel: rel + "/" + de.Name(), name: de.Name(),
				value: v, canonical: canonical, typ: de.Type(), inSplit: true})
		}
	}
	for _, e := range c.out[w.n] {
		groups[e.value] = append(groups[e.value], e)
	}
	ids := make([]uint64, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sortIDs(ids)
	var out []*Finding
	for i, id := range ids {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out = append(out, w.analyze(id, groups[id])...)
		delete(groups, id)
	}
	return out, nil
}

// readsContent reports whether fsck parses files of kind k.
func readsContent(k Kind) bool {
	switch k {
	case KindTodo, KindInfo, KindLocal, KindRemote, KindBounce:
		return true
	}
	return false
}

// maxLinks is the link count qmail gives a file of kind k (docs/queue.md §2, §3):
// two for the intd/todo pair, one for every other file.
func maxLinks(k Kind) uint64 {
	if k == KindTodo || k == KindIntd {
		return qmailqueue.MaxLinksTodo
	}
	return qmailqueue.MaxLinks
}

// load stats e and, for the kinds fsck parses, reads it, opened with
// qmailqueue.OpenQueueFileAt: a link is never followed, a FIFO never
// waited on, and a file that is not regular or has more links than qmail
// gives it is not read (analyze reports it). A record file over
// qmailqueue.MaxRecordFile is not read either (e.tooBig). Files in the
// worker's split subdirectory are reached through its directory fd.
func (w *worker) load(e *entry) {
	dirfd, name := unix.AT_FDCWD, w.c.l.abs(e.rel)
	if e.inSplit {
		dirfd, name = w.dirfd[e.kind], e.name
	}
	regular := e.typ == 0 // readdir said regular file
	if !readsContent(e.kind) || !regular {
		err := unix.Fstatat(dirfd, name, &e.st, unix.AT_SYMLINK_NOFOLLOW)
		switch {
		case errors.Is(err, unix.ENOENT):
			e.gone = true
			return
		case err != nil:
			e.err = err
			return
		}
		if !readsContent(e.kind) || qmailqueue.CheckQueueFile(name, &e.st, 0, maxLinks(e.kind)) != nil {
			return
		}
	}
	fd, st, err := qmailqueue.OpenQueueFileAt(dirfd, name, 0, maxLinks(e.kind))
	var unsafe *qmailqueue.UnsafeFileError
	switch {
	case errors.Is(err, unix.ENOENT):
		e.gone = true
		return
	case errors.As(err, &unsafe) && st.Mode != 0:
		e.st = st // analyze reports its type or links
		return
	case err != nil:
		// A link (ELOOP) or an open that failed: stat the name itself.
		serr := unix.Fstatat(dirfd, name, &e.st, unix.AT_SYMLINK_NOFOLLOW)
		switch {
		case errors.Is(serr, unix.ENOENT):
			e.gone = true
		case serr != nil || unsafe == nil:
			e.err = err
		}
		return
	}
	defer unix.Close(fd)
	e.st = st
	if st.Size > qmailqueue.MaxRecordFile {
		e.tooBig = true
		return
	}
	data, err := readAll(fd, &w.buf, e.st.Size)
	if err != nil {
		e.err = err
		return
	}
	e.data = bytes.Clone(data)
}

// readAll reads fd to its end into *buf, at most MaxRecordFile+1 bytes (a
// file that grew past the cap is cut there).
func readAll(fd int, buf *[]byte, size int64) ([]byte, error) {
	if int64(len(*buf)) < size+1 {
		*buf = make([]byte, size+4096)
	}
	b := *buf
	n := 0
	for n <= qmailqueue.MaxRecordFile {
		k, err := unix.Read(fd, b[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k == 0 {
			break
		}
		n += k
		if n == len(b) {
			b = append(b, make([]byte, len(b))...)
			*buf = b
		}
	}
	return b[:n], nil
}

// msg is one message's files being judged.
type msg struct {
	w      *worker
	id     uint64 // the number the files carry
	by     [numKinds][]*entry
	all    []*entry
	target uint64 // the ID the message must have: its mess inode
	group  string
}

func (m *msg) has(k Kind) bool { return len(m.by[k]) > 0 }

// drop forgets the files of kind k: a repair step already takes them away.
func (m *msg) drop(k Kind) {
	m.by[k] = nil
	m.all = slices.DeleteFunc(m.all, func(e *entry) bool { return e.kind == k })
}

func (m *msg) one(k Kind) *entry { return m.by[k][0] }

// files lists the relative paths of the message's files, in kind order.
func (m *msg) files() []string {
	var out []string
	for k := range numKinds {
		for _, e := range m.by[k] {
			out = append(out, e.rel)
		}
	}
	return out
}

// finding starts a finding about this message.
func (m *msg) finding(code Code, sev Severity, problem, qmail string) *Finding {
	return &Finding{Code: code, Severity: sev, ID: m.id, HasID: true, Files: m.files(),
		Problem: problem, Qmail: qmail, group: m.group}
}

// analyze judges the files carrying number id and returns the findings.
func (w *worker) analyze(id uint64, es []*entry) []*Finding {
	c := w.c
	m := &msg{w: w, id: id, group: "msg:" + idString(id)}
	var unreadable []*entry
	for _, e := range es {
		w.load(e)
		if e.gone {
			continue
		}
		m.all = append(m.all, e)
		m.by[e.kind] = append(m.by[e.kind], e)
		if e.err != nil {
			unreadable = append(unreadable, e)
		}
	}
	if len(m.all) == 0 {
		return nil
	}
	w.messages++

	if len(unreadable) > 0 {
		var files, errs []string
		for _, e := range unreadable {
			files = append(files, e.rel)
			errs = append(errs, e.rel+": "+qmailqueue.ErrorString(errnoOf(e.err)))
		}
		return []*Finding{{Code: CodeUnreadable, Severity: SeverityError, ID: id, HasID: true, Files: files,
			Problem: strings.Join(errs, "; "), Qmail: qmailUnreadable, Repair: "none: fsck must be able to read the queue (run it as root)"}}
	}
	for k := range numKinds {
		if len(m.by[k]) > 1 {
			var files []string
			for _, e := range m.by[k] {
				files = append(files, e.rel)
			}
			return []*Finding{{Code: CodeDuplicate, Severity: SeverityError, ID: id, HasID: true, Files: m.files(),
				Problem: fmt.Sprintf("%d %s files carry number %d: %s", len(files), k, id, strings.Join(files, ", ")),
				Qmail:   qmailDuplicate, Repair: "none: compare them and remove the wrong one by hand"}}
		}
	}
	for _, e := range m.all {
		if e.st.Mode&unix.S_IFMT != unix.S_IFREG {
			return []*Finding{{Code: CodeNotRegular, Severity: SeverityError, ID: id, HasID: true, Files: []string{e.rel},
				Problem: fmt.Sprintf("%s is a %s", e.rel, typeName(e.st.Mode)), Qmail: qmailNotRegular,
				Repair: "none: look at it (ls -l " + e.rel + ") and move it out of the queue by hand, with qmail-send stopped"}}
		}
	}
	for _, e := range m.all {
		if e.tooBig {
			return []*Finding{{Code: CodeTooLarge, Severity: SeverityWarning, ID: id, HasID: true, Files: []string{e.rel},
				Problem: fmt.Sprintf("%s is %d bytes, over the %d MiB fsck reads of a record file; not checked", e.rel, e.st.Size, qmailqueue.MaxRecordFile>>20),
				Qmail:   qmailTooLarge, Repair: "none: look at it by hand"}}
		}
	}

	m.target = id
	if m.has(KindMess) {
		m.target = m.one(KindMess).st.Ino
	}
	st := m.state()
	if !st.legal() && c.running != RunningNo && m.changedMeanwhile() {
		w.changed++
		return nil
	}

	var out []*Finding
	if m.interrupted() {
		// A rename to the inode's number that stopped half-way: judge the
		// message by what both names hold, and finish the rename.
		if u := m.unionState(); u.legal() {
			return m.keep(u)
		}
	}
	for _, e := range m.all {
		if e.kind == KindMess && e.st.Nlink == 2 && c.kept[e.st.Ino] != "" {
			// The second name is the quarantine's: a qq rm kept the
			// message and stopped before it removed a file. The queue is
			// what qmail-send goes by, so the copy goes, not the message.
			entry := c.kept[e.st.Ino]
			return []*Finding{{Code: CodeInQuarantine, Severity: SeverityWarning, ID: id, HasID: true, Files: []string{e.rel},
				Problem: fmt.Sprintf("%s has 2 links; the other is quarantine entry %s, kept by a qq rm that stopped before removing the message", e.rel, entry),
				Qmail:   qmailInQuarantine,
				Repair:  fmt.Sprintf("drop quarantine entry %s: the message stays in the queue as qmail-send sees it (qq rm it again if it should go); run qq fsck again to check the rest of it", entry),
				Actions: []Action{{Op: OpUnquarantine, Path: e.rel, Ino: e.st.Ino, Target: entry}}}}
		}
		// Another name may be a file outside the queue (root's, hard-linked
		// in by a qmail user): no repair touches such a message.
		if uint64(e.st.Nlink) > maxLinks(e.kind) {
			return []*Finding{{Code: CodeExtraLinks, Severity: SeverityWarning, ID: id, HasID: true, Files: []string{e.rel},
				Problem: fmt.Sprintf("%s has %d links; qmail makes %d", e.rel, e.st.Nlink, maxLinks(e.kind)), Qmail: qmailExtraLinks,
				Repair: extraLinksRepair(e.rel, e.kind)}}
		}
	}
	switch st {
	case stateOrphan:
		out = append(out, m.orphan()...)
	case stateQueued, statePreprocessed:
		out = append(out, m.keep(st)...)
	case stateMessNoInfo:
		out = append(out, m.messNoInfo())
	case stateTodoNoMess:
		f := m.finding(CodeTodoNoMess, SeverityError, fmt.Sprintf("todo/%d has no mess/%d/%d", id, id%uint64(c.l.split), id), qmailTodoNoMess)
		f.Actions = m.quarantineAll()
		f.Repair = "the message body is gone: save the envelope to quarantine and remove its files"
		out = append(out, m.removal(f))
	case stateInfoNoMess:
		f := m.finding(CodeInfoNoMess, SeverityError, fmt.Sprintf("info/%d/%d has no mess", id%uint64(c.l.split), id), qmailInfoNoMess)
		f.Actions = m.quarantineAll()
		f.Repair = "the message body is gone: save the envelope and recipients to quarantine and remove its files"
		out = append(out, m.removal(f))
	case stateNoInfoNoMess:
		f := m.finding(CodeNoInfo, SeverityError, fmt.Sprintf("%s without info or mess", kindList(m)), qmailNoInfo)
		f.Actions = m.quarantineAll()
		f.Repair = "save to quarantine and remove"
		out = append(out, m.removal(f))
	case stateIntdOnly:
		f := m.finding(CodeIntdOnly, SeverityWarning, "intd without mess or todo", qmailIntdOnly)
		f.Actions = m.quarantineAll()
		f.Repair = "save to quarantine and remove"
		out = append(out, m.removal(f))
	}
	return out
}

// errnoOf extracts the errno of err, 0 if none.
func errnoOf(err error) unix.Errno {
	var errno unix.Errno
	errors.As(err, &errno)
	return errno
}

// kindList names the kinds of files a message has, e.g. "local, bounce".
func kindList(m *msg) string {
	var kinds []string
	for k := range numKinds {
		if m.has(k) {
			kinds = append(kinds, k.String())
		}
	}
	return strings.Join(kinds, ", ")
}

// removal marks a finding as removing its message's files.
func (m *msg) removal(f *Finding) *Finding {
	f.phase = phaseRemove
	return f
}

// msgState is what a message's set of files amounts to.
type msgState int

const (
	stateOrphan       msgState = iota // S2/S3: mess ± intd
	stateQueued                       // S4: mess + todo
	statePreprocessed                 // S5: mess + info
	stateMessNoInfo                   // mess + local/remote/bounce, no info, no todo
	stateTodoNoMess                   // todo, no mess
	stateInfoNoMess                   // info, no mess, no todo
	stateNoInfoNoMess                 // local/remote/bounce only
	stateIntdOnly                     // intd only
)

func (s msgState) legal() bool { return s <= statePreprocessed }

// state classifies the set of files (docs/queue.md §0, §4.7), whatever their places
// and names.
func (m *msg) state() msgState {
	channel := m.has(KindLocal) || m.has(KindRemote) || m.has(KindBounce)
	switch {
	case m.has(KindMess) && m.has(KindTodo):
		return stateQueued
	case m.has(KindMess) && m.has(KindInfo):
		return statePreprocessed
	case m.has(KindMess) && channel:
		return stateMessNoInfo
	case m.has(KindMess):
		return stateOrphan
	case m.has(KindTodo):
		return stateTodoNoMess
	case m.has(KindInfo):
		return stateInfoNoMess
	case channel:
		return stateNoInfoNoMess
	}
	return stateIntdOnly
}

// interrupted reports whether the message is being renamed to its mess
// inode's number and the rename stopped half-way: the canonical mess path
// of that number is another link of this mess.
func (m *msg) interrupted() bool {
	if !m.has(KindMess) || m.target == m.id {
		return false
	}
	var st unix.Stat_t
	err := unix.Lstat(m.w.c.l.abs(m.w.c.l.rel(KindMess, m.target)), &st)
	return err == nil && st.Ino == m.one(KindMess).st.Ino
}

// unionState classifies the files of the message under both its old
// number and its target one.
func (m *msg) unionState() msgState {
	l := &m.w.c.l
	has := func(k Kind) bool {
		if m.has(k) {
			return true
		}
		var st unix.Stat_t
		return unix.Lstat(l.abs(l.rel(k, m.target)), &st) == nil
	}
	channel := has(KindLocal) || has(KindRemote) || has(KindBounce)
	switch {
	case has(KindTodo):
		return stateQueued
	case has(KindInfo):
		return statePreprocessed
	case channel:
		return stateMessNoInfo
	}
	return stateOrphan
}

// changedMeanwhile looks again at the canonical paths of the message: if
// the set of files differs from what was listed, qmail moved the message
// on while it was checked (listing and stat are not atomic).
func (m *msg) changedMeanwhile() bool {
	l := &m.w.c.l
	for k := range numKinds {
		var st unix.Stat_t
		exists := unix.Lstat(l.abs(l.rel(k, m.id)), &st) == nil
		listed := false
		for _, e := range m.by[k] {
			if e.rel == l.rel(k, m.id) {
				listed = true
			}
		}
		if exists != listed {
			return true
		}
	}
	return false
}

// quarantineAll saves every file of the message and removes it, in the
// order of docs/queue.md §10 rule 14 (mess last).
func (m *msg) quarantineAll() []Action {
	actions := make([]Action, 0, 2*len(m.all))
	for _, k := range removeOrder {
		for _, e := range m.by[k] {
			actions = append(actions, Action{Op: OpSave, Path: e.rel, Ino: e.st.Ino, ID: m.id},
				Action{Op: OpRemove, Path: e.rel, Ino: e.st.Ino})
		}
	}
	return actions
}

// old reports whether qmail-send's cleanup would take the mess file: its
// atime is more than OSSIFIED ago (cleanup_do: now > atime + OSSIFIED).
func (m *msg) old() bool {
	atime := timespec(m.one(KindMess).st.Atim)
	return m.w.c.now.After(atime.Add(ossified))
}

// displaced reports whether any file is not at its canonical path for the
// target ID.
func (m *msg) displaced() bool {
	for _, e := range m.all {
		if e.rel != m.w.c.l.rel(e.kind, m.target) {
			return true
		}
	}
	return false
}

// orphan judges S2 and S3: mess ± intd with neither info nor todo
// (docs/queue.md §4.6).
func (m *msg) orphan() []*Finding {
	mess := m.one(KindMess)
	atime := timespec(mess.st.Atim)
	age := ageString(m.w.c.now.Sub(atime))
	what := "mess"
	if m.has(KindIntd) {
		what = "mess and intd"
	}
	if m.old() {
		f := m.finding(CodeOrphan, SeverityWarning,
			fmt.Sprintf("%s without info or todo, last accessed %s ago (more than 36 hours)", what, age), qmailOrphan)
		f.Actions = m.quarantineAll()
		f.Repair = "save to quarantine and remove, as qmail-send's cleanup would (intd, then mess)"
		return []*Finding{m.removal(f)}
	}
	if m.displaced() {
		// qmail-queue writes only canonical paths: not one in progress.
		return m.keep(stateOrphan)
	}
	f := m.finding(CodeOrphanYoung, SeverityInfo,
		fmt.Sprintf("%s without info or todo, last accessed %s ago", what, age), qmailOrphanYoung)
	f.Transient = true
	return []*Finding{f}
}

// messNoInfo judges mess with local, remote or bounce but neither info nor
// todo: the sender is lost, so qmail-send can never deliver the
// recipients. Everything is saved to quarantine (for re-injection with a
// sender); the mess stays in place while it may still be a message
// qmail-queue is writing over stale files of an earlier one with the same
// ID, to be removed by qmail-send's own 36-hour rule.
func (m *msg) messNoInfo() *Finding {
	f := m.finding(CodeNoInfo, SeverityError, fmt.Sprintf("%s without info or todo", kindList(m)), qmailNoInfo)
	if m.old() {
		f.Actions = m.quarantineAll()
		f.Repair = "the sender is lost: save the message to quarantine (for re-injection) and remove its files"
		return m.removal(f)
	}
	mess := m.one(KindMess)
	f.Actions = append(f.Actions, Action{Op: OpCopy, Path: mess.rel, Ino: mess.st.Ino, ID: m.id})
	for _, k := range removeOrder {
		if k == KindMess || k == KindIntd {
			continue
		}
		for _, e := range m.by[k] {
			f.Actions = append(f.Actions, Action{Op: OpSave, Path: e.rel, Ino: e.st.Ino, ID: m.id},
				Action{Op: OpRemove, Path: e.rel, Ino: e.st.Ino})
		}
	}
	f.Repair = "the sender is lost: save a copy of mess and the other files to quarantine (for re-injection) and remove all but mess, which may be a new message qmail-queue is writing and otherwise goes by qmail-send's 36-hour rule"
	return m.removal(f)
}

// keep judges a message that stays: S4, S5, or a displaced S2/S3. It moves
// displaced files to their canonical paths for the target ID, then checks
// records, owners and modes at those paths.
func (m *msg) keep(st msgState) []*Finding {
	c := m.w.c
	var out []*Finding
	// Checks of the content first: a todo without sender or an info
	// without a recoverable one cannot be kept.
	var fixes []*Finding
	switch st {
	case stateQueued:
		if m.has(KindTodo) {
			f, ok := m.checkTodo()
			if !ok {
				return []*Finding{f}
			}
			if f != nil {
				fixes = append(fixes, f)
			}
		}
		if m.has(KindInfo) {
			f := m.finding(CodeInfoAndTodo, SeverityInfo, "info beside todo: qmail-send stopped while preprocessing", qmailInfoAndTodo)
			f.Transient = c.running != RunningNo
			out = append(out, f)
		}
		if m.has(KindBounce) {
			b := m.one(KindBounce)
			f := m.finding(CodeStaleBounce, SeverityError, "bounce/"+idString(m.id)+" beside todo: a failure report of an earlier message with this ID", qmailStaleBounce)
			f.Files = []string{b.rel}
			f.Actions = []Action{{Op: OpSave, Path: b.rel, Ino: b.st.Ino, ID: m.id}, {Op: OpRemove, Path: b.rel, Ino: b.st.Ino}}
			f.Repair = "save it to quarantine and remove it"
			out = append(out, m.removal(f))
			m.drop(KindBounce)
		}
		if m.has(KindIntd) && m.has(KindTodo) && m.one(KindIntd).st.Ino != m.one(KindTodo).st.Ino {
			f := m.finding(CodeIntdNotLinked, SeverityInfo, "intd and todo are two files, not two links of one", qmailIntdNotLink)
			out = append(out, f)
		}
	case statePreprocessed:
		if m.has(KindInfo) {
			f, ok := m.checkInfo()
			if !ok {
				return []*Finding{f}
			}
			if f != nil {
				fixes = append(fixes, f)
			}
		}
		if m.has(KindIntd) {
			out = append(out, m.finding(CodeIntdWithInfo, SeverityInfo, "intd beside info: left over from before preprocessing", qmailIntdWithInfo))
		}
		for _, k := range []Kind{KindLocal, KindRemote} {
			if m.has(k) {
				if f := m.checkRecipients(m.one(k)); f != nil {
					fixes = append(fixes, f)
				}
			}
		}
		if m.has(KindBounce) {
			b := m.one(KindBounce)
			if _, problems := qmailqueue.ParseBounce(b.data); len(problems) > 0 {
				f := m.finding(CodeBadBounce, SeverityInfo, b.rel+": "+strings.Join(problems, "; "), qmailBadBounce)
				f.Files = []string{b.rel}
				out = append(out, f)
			}
		}
	}

	if reloc := m.relocation(st); reloc != nil {
		out = append(out, reloc)
	}
	for _, f := range fixes {
		f.phase = phaseFix
		out = append(out, f)
	}
	out = append(out, m.ownersModes()...)
	return out
}

// final returns the path e will have once the message is relocated.
func (m *msg) final(e *entry) string { return m.w.c.l.rel(e.kind, m.target) }

// relocation moves every displaced file to its canonical path for the
// target ID (docs/queue.md §2: all files of a message renamed to the inode-derived
// ID, in N = ID % split). It never replaces a file and keeps the message
// whole after a crash at any step:
//
//  1. link each displaced file other than the commit file at its new path
//     (the old names still make the message whole);
//  2. rename the commit file — todo for a queued message, info for a
//     preprocessed one — which moves the message to its new ID at once;
//  3. remove the old names, mess last.
//
// Before the commit, the new ID has neither todo nor info, so qmail-send
// ignores it; after, the old ID has neither, so qmail-send ignores that.
func (m *msg) relocation(st msgState) *Finding {
	if !m.displaced() {
		return nil
	}
	c := m.w.c
	code, what := CodeWrongSplit, "in the wrong split subdirectory"
	canonical := true
	for _, e := range m.all {
		canonical = canonical && e.canonical
	}
	switch {
	case m.target != m.id:
		code = CodeNameNotInode
		what = fmt.Sprintf("mess is inode %d but named %d", m.target, m.id)
	case !canonical:
		code, what = CodeNonCanonical, "names with a leading zero"
	default:
		var wrong []string
		for _, e := range m.all {
			if e.rel != c.l.rel(e.kind, m.target) {
				wrong = append(wrong, e.rel)
			}
		}
		what = fmt.Sprintf("%s not in subdirectory %d = %d %% %d", strings.Join(wrong, ", "), m.target%uint64(c.l.split), m.target, c.l.split)
	}
	qmail := qmailIgnored
	if code == CodeNameNotInode && !m.displacedBesidesName() {
		qmail = qmailNameInode
	}
	f := m.finding(code, SeverityError, what, qmail)
	f.relocate, f.target = true, m.target
	f.phase = phaseRelocate
	// At most a save and a remove, or a link and a remove, per file and
	// the commit: sized once, as a restore plans this for every message.
	f.Actions = make([]Action, 0, 2*len(m.all)+1)

	var commit *entry
	if st == stateQueued {
		if m.has(KindTodo) {
			commit = m.one(KindTodo)
		}
		// Preprocessing will be redone from todo: info, local and remote
		// are dropped (saved) rather than moved, so that the old and the
		// new ID are never both deliverable.
		for _, k := range []Kind{KindLocal, KindRemote, KindInfo} {
			for _, e := range m.by[k] {
				f.Actions = append(f.Actions, Action{Op: OpSave, Path: e.rel, Ino: e.st.Ino, ID: m.id},
					Action{Op: OpRemove, Path: e.rel, Ino: e.st.Ino})
			}
			m.drop(k)
		}
	} else if st == statePreprocessed && m.has(KindInfo) {
		commit = m.one(KindInfo)
	}
	var moved []*entry
	for _, k := range []Kind{KindMess, KindIntd, KindLocal, KindRemote, KindBounce, KindInfo, KindTodo} {
		for _, e := range m.by[k] {
			if e == commit || e.rel == m.final(e) {
				continue
			}
			f.Actions = append(f.Actions, m.move(OpLink, e))
			moved = append(moved, e)
		}
	}
	if commit != nil && commit.rel != m.final(commit) {
		f.Actions = append(f.Actions, m.move(OpRename, commit))
	}
	for _, k := range removeOrder {
		for _, e := range moved {
			if e.kind == k {
				f.Actions = append(f.Actions, Action{Op: OpRemove, Path: e.rel, Ino: e.st.Ino})
			}
		}
	}
	f.Repair = fmt.Sprintf("move the message's files to ID %d in subdirectory %d (never replacing a file)", m.target, m.target%uint64(c.l.split))
	return f
}

// displacedBesidesName reports whether a file is in a subdirectory other
// than the one of the number it carries (then qmail ignores it).
func (m *msg) displacedBesidesName() bool {
	for _, e := range m.all {
		if e.rel != m.w.c.l.rel(e.kind, m.id) {
			return true
		}
	}
	return false
}

// move makes a link or rename step of e to its final path, noting what
// is there now.
func (m *msg) move(op Op, e *entry) Action {
	a := Action{Op: op, Path: e.rel, Target: m.final(e), Ino: e.st.Ino}
	var st unix.Stat_t
	if unix.Lstat(m.w.c.l.abs(a.Target), &st) == nil {
		a.targetIno = st.Ino
		if a.targetIno == 0 {
			a.targetIno = ^uint64(0)
		}
	}
	return a
}

// records splits b into NUL-terminated records (without the NUL) and
// returns the length of a trailing partial record.
func records(b []byte) (recs [][]byte, partial int) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return recs, len(b)
		}
		recs = append(recs, b[:i])
		b = b[i+1:]
	}
	return recs, 0
}

// keepRecords rebuilds a file from the records whose type byte is in
// types, dropping the others and a trailing partial record.
func keepRecords(recs [][]byte, types string) []byte {
	var out []byte
	for _, r := range recs {
		if len(r) > 0 && strings.IndexByte(types, r[0]) >= 0 {
			out = append(out, r...)
			out = append(out, 0)
		}
	}
	return out
}

// rewrite makes the actions that save a file to quarantine and replace
// its content, at its final path.
func (m *msg) rewrite(e *entry, content []byte) []Action {
	return []Action{{Op: OpSave, Path: m.final(e), Ino: e.st.Ino, ID: m.target},
		{Op: OpRewrite, Path: m.final(e), Content: content, Ino: e.st.Ino}}
}

// checkTodo parses todo as qmail-send's todo_do does (docs/queue.md §3.3, §4.3):
// records u, p, F and T; any other type, an empty record included, makes
// qmail-send give up. ok is false when the message cannot be kept (no F
// record: the sender is lost); f is then the finding that quarantines it.
func (m *msg) checkTodo() (f *Finding, ok bool) {
	todo := m.one(KindTodo)
	env, _ := qmailqueue.ParseTodo(todo.data)
	recs, partial := records(todo.data)
	unknown := 0
	for _, r := range recs {
		if len(r) == 0 || strings.IndexByte("upFT", r[0]) < 0 {
			unknown++
		}
	}
	if !env.HasSender {
		f := m.finding(CodeBadTodo, SeverityError, todo.rel+" has no F (sender) record", qmailTodoNoF)
		f.Actions = m.quarantineAll()
		f.Repair = "the sender is lost: save the message to quarantine (for re-injection) and remove its files"
		return m.removal(f), false
	}
	switch {
	case unknown > 0:
		f = m.finding(CodeBadTodo, SeverityError, fmt.Sprintf("%s has %d records of unknown type", todo.rel, unknown), qmailBadTodo)
	case partial > 0:
		f = m.finding(CodePartialRecord, SeverityWarning, fmt.Sprintf("%s ends in a partial record of %d bytes", todo.rel, partial), qmailPartial)
	default:
		return nil, true
	}
	f.Files = []string{todo.rel}
	f.Actions = m.rewrite(todo, keepRecords(recs, "upFT"))
	if m.has(KindIntd) {
		// intd is the other link of the old todo: qmail-clean would
		// remove it after preprocessing anyway.
		intd := m.one(KindIntd)
		f.Actions = append(f.Actions, Action{Op: OpRemove, Path: m.final(intd), Ino: intd.st.Ino})
	}
	f.Repair = "save todo to quarantine and rewrite it keeping its u, p, F and T records"
	return f, true
}

// checkInfo parses info as qmail-send's getinfo does (docs/queue.md §3.4). An info
// that is one NUL-terminated sender without its F (a lost type byte) is
// rewritten with it; one whose sender cannot be recovered means the
// message cannot be kept (ok false).
func (m *msg) checkInfo() (f *Finding, ok bool) {
	info := m.one(KindInfo)
	_, err := qmailqueue.ParseInfo(info.data)
	if err == nil {
		return nil, true
	}
	problem := fmt.Sprintf("%s: %v", info.rel, err)
	if sender, ok := recoverSender(info.data); ok {
		f := m.finding(CodeBadInfo, SeverityError, problem, qmailBadInfo)
		f.Files = []string{info.rel}
		f.Actions = m.rewrite(info, append(append([]byte{'F'}, sender...), 0))
		f.Repair = fmt.Sprintf("save info to quarantine and rewrite it as the F record of sender <%s>, keeping its mtime (the message's birth)", sender)
		return f, true
	}
	f = m.finding(CodeBadInfo, SeverityError, problem, qmailBadInfo)
	f.Actions = m.quarantineAll()
	f.Repair = "the sender is lost: save the message to quarantine (for re-injection) and remove its files"
	return m.removal(f), false
}

// recoverSender recognises an info file that lost its F type byte: one
// record, terminated by its only NUL, of printable bytes, that does not
// start with a record type qmail writes (docs/queue.md §3.4).
func recoverSender(b []byte) (string, bool) {
	if len(b) < 2 || b[len(b)-1] != 0 || bytes.IndexByte(b, 0) != len(b)-1 {
		return "", false
	}
	s := b[:len(b)-1]
	if strings.IndexByte("FTDupt", s[0]) >= 0 {
		return "", false
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return "", false
		}
	}
	return string(s), true
}

// checkRecipients parses local or remote as qmail-send's pass_dochan does
// (docs/queue.md §3.5): T and D records; any other type, an empty record included,
// aborts the pass; a trailing partial record is ignored.
func (m *msg) checkRecipients(e *entry) *Finding {
	recs, partial := records(e.data)
	unknown := 0
	for _, r := range recs {
		if len(r) == 0 || (r[0] != 'T' && r[0] != 'D') {
			unknown++
		}
	}
	var f *Finding
	switch {
	case unknown > 0:
		f = m.finding(CodeBadRecords, SeverityError, fmt.Sprintf("%s has %d records of unknown type", e.rel, unknown), qmailBadRecords)
	case partial > 0:
		f = m.finding(CodePartialRecord, SeverityWarning, fmt.Sprintf("%s ends in a partial record of %d bytes", e.rel, partial), qmailPartial)
	default:
		return nil
	}
	f.Files = []string{e.rel}
	f.Actions = m.rewrite(e, keepRecords(recs, "TD"))
	f.Repair = fmt.Sprintf("save %s to quarantine and rewrite it keeping its T and D records, owner, mode and times", e.kind)
	return f
}

// ownersModes compares the files with docs/queue.md §3.8, at their final paths.
func (m *msg) ownersModes() []*Finding {
	o := m.w.c.owners
	var ownerFiles, modeFiles []string
	var ownerActions, modeActions []Action
	ownerSev, modeSev := SeverityWarning, SeverityWarning
	ownerQmail, modeQmail := "qmail works, but the file does not belong to whom qmail's install gives it", qmailModeWide
	var problems []string
	for k := range numKinds {
		for _, e := range m.by[k] {
			spec := fileSpecs[k]
			uid := o.uid(spec.owner)
			gid := -1
			if spec.groupQmail {
				gid = o.Qmail
			}
			badUID := uid >= 0 && int(e.st.Uid) != uid
			badGID := gid >= 0 && int(e.st.Gid) != gid
			if badUID || badGID {
				ownerFiles = append(ownerFiles, e.rel)
				ownerActions = append(ownerActions, Action{Op: OpChown, Path: m.final(e), UID: uid, GID: gid, Ino: e.st.Ino})
				problems = append(problems, fmt.Sprintf("%s owner %s, want %s", e.rel, ownerString(int(e.st.Uid), int(e.st.Gid)), ownerString(uid, gid)))
				if badUID && (k == KindMess || spec.owner == roleQmails) {
					ownerSev = SeverityError
					ownerQmail = qmailSendOwner
					if k == KindMess {
						ownerQmail = qmailMessOwner
					}
				}
			}
			mode := fs.FileMode(e.st.Mode & 0o7777)
			if mode != spec.mode {
				modeFiles = append(modeFiles, e.rel)
				modeActions = append(modeActions, Action{Op: OpChmod, Path: m.final(e), Mode: spec.mode, Ino: e.st.Ino})
				if mode&spec.mode != spec.mode {
					modeSev, modeQmail = SeverityError, qmailModeNarrow
				}
			}
		}
	}
	var out []*Finding
	if len(ownerFiles) > 0 {
		f := m.finding(CodeFileOwner, ownerSev, strings.Join(problems, "; "), ownerQmail)
		f.Files, f.Actions, f.phase = ownerFiles, ownerActions, phaseFix
		out = append(out, f)
	}
	if len(modeFiles) > 0 {
		var parts []string
		for i, rel := range modeFiles {
			parts = append(parts, fmt.Sprintf("%s mode %04o, want %04o", rel, modeOf(m, rel), modeActions[i].Mode))
		}
		f := m.finding(CodeFileMode, modeSev, strings.Join(parts, "; "), modeQmail)
		f.Files, f.Actions, f.phase = modeFiles, modeActions, phaseFix
		out = append(out, f)
	}
	return out
}

func modeOf(m *msg, rel string) fs.FileMode {
	for _, e := range m.all {
		if e.rel == rel {
			return fs.FileMode(e.st.Mode & 0o7777)
		}
	}
	return 0
}

// extraLinksRepair says what to do by hand about a file with extra links.
// A mess file's other name may be qq's own quarantine copy: qq rm keeps a
// hard link before it unlinks, so a run killed in between leaves both.
func extraLinksRepair(rel string, kind Kind) string {
	r := "none: find its other names (find / -xdev -samefile " + rel + ") and remove the one that does not belong, by hand"
	if kind == KindMess {
		r += "; a name in qq's quarantine is a qq rm stopped between keeping and removing the message (qq quarantine list shows it \"still in queue\"): qq quarantine purge RUN/ID drops it"
	}
	return r
}
