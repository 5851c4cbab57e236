package qmailqueue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Fields says which parts of a message a scan reads. Each costs file opens,
// so a scan reads only what its caller and its filter need.
type Fields uint

// The readable parts of a message.
const (
	// FieldSize stats mess (the size; birth of S2/S3 messages).
	FieldSize Fields = 1 << iota
	// FieldEnvelope reads the sender and birth: info (open + fstat), or
	// todo for a message not yet preprocessed.
	FieldEnvelope
	// FieldRecipients reads local/ and remote/ (or todo) recipients.
	FieldRecipients
	// FieldHeader reads the header block of mess (at most HeaderLimit).
	FieldHeader
	// FieldBirth stats info (or todo) for the birth time without opening
	// it; FieldEnvelope gives the birth too.
	FieldBirth
	// FieldChannels lists local/ and remote/ so that Message.LocalFile and
	// RemoteFile tell which channels have recipients pending, without
	// opening those files; FieldRecipients implies it.
	FieldChannels
	// FieldParts walks the whole of mess (at most PartsLimit) for its MIME
	// structure (Message.MIME): slow, for attachment groupings only.
	FieldParts
)

// ScanOptions configures [Queue.Scan].
type ScanOptions struct {
	// Fields to read for every message (the filter adds what it needs).
	Fields Fields
	// Filter selects messages; nil selects all. It runs in the workers, so
	// header and body reads happen in parallel.
	Filter *Filter
	// Workers is the number of goroutines reading message files; 0 means
	// GOMAXPROCS. Output order does not depend on it.
	Workers int
	// InfoOnly limits the scan to messages with an info file, in info/'s
	// directory order, and reads info, local and remote even when a todo
	// file exists too: what qmail-qread lists.
	InfoOnly bool
}

// ScanStats counts what a scan saw.
type ScanStats struct {
	Seen     int // messages found in the directories
	Matched  int // messages passed to the callback
	Vanished int // messages finished by qmail-send while the scan ran
}

// batchSize is how many messages a worker handles at a time; the number of
// batches in flight is bounded, so memory does not grow with the queue.
const batchSize = 128

type scanItem struct {
	id                 uint64
	inMess             bool
	inInfo, inTodo     bool
	inIntd, inLocal    bool
	inRemote, bouncing bool
}

type batch struct {
	seq   int
	split *splitDirs
	items []scanItem
	msgs  []*Message
	err   error
}

// splitDirs holds open directory fds of one split subdirectory, shared by
// the workers handling its batches; the last batch done closes them.
type splitDirs struct {
	n             int
	mess, info    int
	local, remote int
	todo          int // todo/ or todo/N with big-todo
	refs          atomic.Int32
}

func (d *splitDirs) release() {
	if d.refs.Add(-1) == 0 {
		for _, fd := range []int{d.mess, d.info, d.local, d.remote, d.todo} {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}
}

// Scan streams every message of the queue to fn, split subdirectory by split
// subdirectory (0 … split-1), and within one in the directory order of
// info/ (qmail-qread's order), followed by messages not yet preprocessed and
// S2/S3 files. fn is called from one goroutine at a time; returning an error
// stops the scan and Scan returns that error. A message that vanishes while
// it is read (qmail-send finished it) is skipped and counted.
func (q *Queue) Scan(ctx context.Context, opts ScanOptions, fn func(*Message) error) (ScanStats, error) {
	var stats ScanStats
	need := opts.Fields
	if opts.Filter != nil {
		need |= opts.Filter.fields()
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	todo, err := q.listIDSet("todo")
	if err != nil {
		return stats, err
	}
	intd, err := q.listIDSet("intd")
	if err != nil {
		return stats, err
	}
	bounce, err := q.listIDSet("bounce")
	if err != nil {
		return stats, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *batch)
	results := make(chan *batch)
	tokens := make(chan struct{}, 4*workers)
	var producerErr error
	var seen, vanished atomic.Int64

	go func() {
		defer close(jobs)
		// Split subdirectories are listed up to `workers` ahead, in
		// parallel, while earlier ones are being read; each result is
		// taken in split order.
		type listing struct {
			dirs  *splitDirs
			items []scanItem
			err   error
		}
		listed := make([]chan listing, q.Split)
		launched := 0
		launch := func() {
			n := launched
			listed[n] = make(chan listing, 1)
			launched++
			go func() {
				var l listing
				func() {
					defer RecoverTo(&l.err)
					l.dirs, l.items, l.err = q.listSplit(n, need, todo, intd, bounce, opts)
				}()
				listed[n] <- l
			}()
		}
		discard := func(from int) {
			for k := from; k < launched; k++ {
				if l := <-listed[k]; l.dirs != nil {
					l.dirs.refs.Store(1)
					l.dirs.release()
				}
			}
		}
		for launched < min(workers, q.Split) {
			launch()
		}
		seq := 0
		for n := 0; n < q.Split; n++ {
			l := <-listed[n]
			if launched < q.Split {
				launch()
			}
			if l.err != nil || ctx.Err() != nil {
				if l.err != nil {
					producerErr = l.err
				}
				if l.dirs != nil {
					l.dirs.refs.Store(1)
					l.dirs.release()
				}
				discard(n + 1)
				return
			}
			dirs, items := l.dirs, l.items
			seen.Add(int64(len(items)))
			chunks := (len(items) + batchSize - 1) / batchSize
			if chunks == 0 {
				dirs.refs.Store(1)
				dirs.release()
				continue
			}
			dirs.refs.Store(int32(chunks))
			for i := 0; i < len(items); i += batchSize {
				b := &batch{seq: seq, split: dirs, items: items[i:min(i+batchSize, len(items))]}
				sent := false
				select {
				case tokens <- struct{}{}:
					select {
					case jobs <- b:
						sent = true
						seq++
					case <-ctx.Done():
						<-tokens
					}
				case <-ctx.Done():
				}
				if !sent {
					for ; i < len(items); i += batchSize {
						dirs.release()
					}
					discard(n + 1)
					return
				}
			}
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			r := &reader{q: q, buf: make([]byte, 8192), preferInfo: opts.InfoOnly}
			for b := range jobs {
				for _, it := range b.items {
					if ctx.Err() != nil {
						break
					}
					m, gone, err := r.readRecovering(b.split, it, need, opts.Filter)
					if err != nil {
						b.err = err
						break
					}
					if gone {
						vanished.Add(1)
						continue
					}
					if m != nil {
						b.msgs = append(b.msgs, m)
					}
				}
				b.split.release()
				results <- b
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]*batch{}
	next := 0
	var fnErr error
	for b := range results {
		pending[b.seq] = b
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-tokens
			if fnErr != nil {
				continue
			}
			if b.err != nil {
				fnErr = b.err
				cancel()
				continue
			}
			for _, m := range b.msgs {
				stats.Matched++
				if err := fn(m); err != nil {
					fnErr = err
					cancel()
					break
				}
			}
		}
	}
	stats.Seen = int(seen.Load())
	stats.Vanished = int(vanished.Load())
	switch {
	case fnErr != nil:
		return stats, fnErr
	case producerErr != nil:
		return stats, producerErr
	}
	return stats, ctx.Err()
}

// idSet is a set of message IDs: a sorted slice searched by halving, 8
// bytes an ID where a map takes about three times that. A scan holds whole
// directory listings as sets (todo, bounce, and the split subdirectories
// being read), so on a large queue they are most of its memory.
type idSet []uint64

// newIDSet makes a set of ids, sorting ids in place.
func newIDSet(ids []uint64) idSet {
	slices.Sort(ids)
	return idSet(ids)
}

func (s idSet) has(id uint64) bool {
	_, ok := slices.BinarySearch(s, id)
	return ok
}

// listIDSet reads the IDs in an unsplit directory (todo, intd, bounce), or
// in all its split subdirectories for todo and intd with big-todo.
func (q *Queue) listIDSet(dir string) (idSet, error) {
	dirs := []string{filepath.Join(q.Dir, dir)}
	if q.BigTodo && (dir == "todo" || dir == "intd") {
		dirs = dirs[:0]
		for n := 0; n < q.Split; n++ {
			dirs = append(dirs, filepath.Join(q.Dir, dir, strconv.Itoa(n)))
		}
	}
	var all []uint64
	for _, d := range dirs {
		ids, err := listIDs(d)
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
	}
	return newIDSet(all), nil
}

// listSplit lists split subdirectory n: info/n first, then mess/n, so that a
// message created in between is seen as not yet preprocessed rather than as
// an info without mess.
func (q *Queue) listSplit(n int, need Fields, todo, intd, bounce idSet, opts ScanOptions) (*splitDirs, []scanItem, error) {
	sub := strconv.Itoa(n)
	infoIDs, err := listIDs(filepath.Join(q.Dir, "info", sub))
	if err != nil {
		return nil, nil, err
	}
	var messIDs []uint64
	if !opts.InfoOnly {
		if messIDs, err = listIDs(filepath.Join(q.Dir, "mess", sub)); err != nil {
			return nil, nil, err
		}
	}
	var localSet, remoteSet idSet
	if need&(FieldRecipients|FieldChannels) != 0 {
		if localSet, err = listSplitSet(filepath.Join(q.Dir, "local", sub)); err != nil {
			return nil, nil, err
		}
		if remoteSet, err = listSplitSet(filepath.Join(q.Dir, "remote", sub)); err != nil {
			return nil, nil, err
		}
	}
	// mess/n's order is not needed: its messages without info are listed
	// sorted.
	messSet := newIDSet(messIDs)
	items := make([]scanItem, 0, max(len(infoIDs), len(messIDs)))
	add := func(id uint64, inInfo bool) {
		if opts.Filter != nil && !opts.Filter.preselect(id) {
			return
		}
		// A local or remote file counts only beside an info file: qmail-send
		// finds channel files through info/ (pqstart, docs/queue.md §4.2), so one
		// without info is never delivered.
		items = append(items, scanItem{id: id, inInfo: inInfo, inMess: opts.InfoOnly || messSet.has(id),
			inTodo: todo.has(id), inIntd: intd.has(id), inLocal: inInfo && localSet.has(id),
			inRemote: inInfo && remoteSet.has(id), bouncing: bounce.has(id)})
	}
	// qmail-qread and qmail-send accept any all-digit name in info/; a
	// non-canonical one (leading zero) is ignored here, as qmail-send's
	// fmtqfn regenerates the canonical name and does not find it (docs/queue.md §2).
	for _, id := range infoIDs {
		add(id, true)
	}
	// Messages without info have no qmail-qread order to keep; they come
	// sorted (as messSet is), so listings are stable.
	infoSet := newIDSet(infoIDs) // info/n's order is used up
	for _, id := range messSet {
		if !infoSet.has(id) {
			add(id, false)
		}
	}
	dirs, err := q.openSplit(n, need)
	if err != nil {
		return nil, nil, err
	}
	return dirs, items, nil
}

// listSplitSet lists a directory as a set.
func listSplitSet(dir string) (idSet, error) {
	ids, err := listIDs(dir)
	return newIDSet(ids), err
}

// openSplit opens the directory fds the workers use with openat and
// fstatat, which saves a path walk per file on large queues.
func (q *Queue) openSplit(n int, need Fields) (*splitDirs, error) {
	sub := strconv.Itoa(n)
	d := &splitDirs{n: n, mess: -1, info: -1, local: -1, remote: -1, todo: -1}
	todoDir := filepath.Join(q.Dir, "todo")
	if q.BigTodo {
		todoDir = filepath.Join(todoDir, sub)
	}
	for _, o := range []struct {
		fd   *int
		path string
	}{
		{&d.mess, filepath.Join(q.Dir, "mess", sub)},
		{&d.info, filepath.Join(q.Dir, "info", sub)},
		{&d.local, filepath.Join(q.Dir, "local", sub)},
		{&d.remote, filepath.Join(q.Dir, "remote", sub)},
		{&d.todo, todoDir},
	} {
		fd, err := unix.Open(o.path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			d.refs.Store(1)
			d.release()
			return nil, fmt.Errorf("read queue directory: %w", &os.PathError{Op: "open", Path: o.path, Err: err})
		}
		*o.fd = fd
	}
	return d, nil
}

// reader reads one message's files; each worker has its own buffer.
type reader struct {
	q   *Queue
	buf []byte
	// preferInfo reads info, local and remote even when todo exists too
	// (a crash during preprocessing), as qmail-qread does.
	preferInfo bool
}

// readRecovering is read for the scan's worker goroutines: a panic while
// one message is read (a bug, whatever the bytes in the queue) comes back
// as a *PanicError that ends the scan, instead of ending the process.
func (r *reader) readRecovering(d *splitDirs, it scanItem, need Fields, filter *Filter) (m *Message, gone bool, err error) {
	defer RecoverTo(&err)
	return r.read(d, it, need, filter)
}

// read fills in a Message for it. gone is true when the message vanished
// (qmail-send finished it during the scan). A nil message with no error means
// the filter rejected it.
func (r *reader) read(d *splitDirs, it scanItem, need Fields, filter *Filter) (m *Message, gone bool, err error) {
	name := strconv.FormatUint(it.id, 10)
	m = &Message{ID: it.id, Split: d.n, Bouncing: it.bouncing, LocalFile: it.inLocal, RemoteFile: it.inRemote}
	switch {
	case it.inTodo:
		m.State = StateQueued
	case it.inInfo:
		m.State = StatePreprocessed
	case it.inIntd:
		m.State = StateWriting
	default:
		m.State = StateMessOnly
	}
	sub := strconv.Itoa(d.n)

	// An info whose mess was not listed is checked with a stat even when
	// the size is not asked for: it is rare, and it tells a message that
	// just finished from the broken state "info without mess".
	if need&FieldSize != 0 || (m.State <= StateWriting && need&(FieldEnvelope|FieldBirth) != 0) || (it.inInfo && !it.inMess) {
		var st unix.Stat_t
		err := unix.Fstatat(d.mess, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		switch {
		case err == unix.ENOENT && !it.inInfo:
			return nil, true, nil
		case err == unix.ENOENT:
			// Finished between our listing and now (info goes before
			// mess), or info without mess, which qmail never cleans up.
			if unix.Fstatat(d.info, name, &st, unix.AT_SYMLINK_NOFOLLOW) == unix.ENOENT {
				return nil, true, nil
			}
			m.State = StateBroken
			m.ioProblem("mess/"+sub+"/"+name, unix.ENOENT)
		case err != nil:
			m.ioProblem("mess/"+sub+"/"+name, err)
		default:
			if err := CheckQueueFile(name, &st, 0, MaxLinks); err != nil {
				// Its size and times are the link's own, never the
				// target's; its content is never read.
				m.ioProblem("mess/"+sub+"/"+name, err)
			}
			m.Size = st.Size
			m.MessInode = st.Ino
			if m.State <= StateWriting {
				m.Birth = timespec(st.Mtim)
			}
		}
	}

	if need&(FieldEnvelope|FieldRecipients) != 0 {
		if m.State == StateQueued && !(r.preferInfo && it.inInfo) {
			if gone := r.readTodo(m, d, name); gone {
				return nil, true, nil
			}
		} else if it.inInfo {
			data, st, err := r.readFile(d.info, name, MaxLinks)
			switch {
			case err == unix.ENOENT:
				return nil, true, nil
			case err != nil:
				m.ioProblem("info/"+sub+"/"+name, err)
			default:
				m.Birth = timespec(st.Mtim)
				m.EnvelopeCtime = timespec(st.Ctim)
				sender, perr := ParseInfo(capRecords(m, "info/"+sub+"/"+name, &st, data))
				if perr != nil {
					m.problem("info/"+sub+"/"+name, perr.Error())
				}
				m.Sender = sender
			}
		}
	}

	if need&(FieldEnvelope|FieldRecipients) == 0 && need&FieldBirth != 0 && m.State >= StateQueued {
		// Birth alone: a stat, no open.
		var st unix.Stat_t
		fd, dir := d.info, "info/"+sub+"/"
		if m.State == StateQueued {
			fd, dir = d.todo, "todo/"
		}
		maxLinks := uint64(MaxLinks)
		if m.State == StateQueued {
			maxLinks = MaxLinksTodo
		}
		err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == nil {
			err = CheckQueueFile(name, &st, 0, maxLinks)
		}
		switch {
		case err == unix.ENOENT:
			return nil, true, nil
		case err != nil:
			m.ioProblem(dir+name, err)
		default:
			m.Birth = timespec(st.Mtim)
		}
	}

	if need&FieldRecipients != 0 && (m.State != StateQueued || (r.preferInfo && it.inInfo)) {
		for _, ch := range []struct {
			in  bool
			fd  int
			dir string
			c   Channel
			mt  *time.Time
		}{
			{it.inLocal, d.local, "local/", ChannelLocal, &m.LocalMtime},
			{it.inRemote, d.remote, "remote/", ChannelRemote, &m.RemoteMtime},
		} {
			if !ch.in {
				continue
			}
			data, st, err := r.readFile(ch.fd, name, MaxLinks)
			switch {
			case err == unix.ENOENT:
				// The channel finished while we looked.
			case err != nil:
				m.ioProblem(ch.dir+sub+"/"+name, err)
			default:
				*ch.mt = timespec(st.Mtim)
				rcpts, problems := ParseRecipients(capRecords(m, ch.dir+sub+"/"+name, &st, data), ch.c)
				m.Recipients = append(m.Recipients, rcpts...)
				for _, p := range problems {
					m.problem(ch.dir+sub+"/"+name, p)
				}
			}
		}
	}

	// With a filter the header is read only when the filter asks for it
	// or the message matched: a selection by envelope (qq rm --sender)
	// must not open every message of the queue.
	if need&FieldHeader != 0 && filter == nil {
		r.readHeader(m, d, name)
	}
	if filter != nil {
		ok, err := filter.match(m, func() { r.readHeader(m, d, name) }, func(limit int64) (io.ReadCloser, error) {
			if m.refused("mess/" + sub + "/" + name) {
				return nil, io.EOF // never read: no body criterion matches
			}
			return r.openMess(m, d, name)
		})
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, nil
		}
		if need&FieldHeader != 0 && m.Header == nil {
			r.readHeader(m, d, name)
		}
	}
	if need&FieldParts != 0 {
		r.readParts(m, d, name)
	}
	return m, false, nil
}

// readTodo fills sender, recipients, qp and uid of a message not yet
// preprocessed from its todo file.
func (r *reader) readTodo(m *Message, d *splitDirs, name string) (gone bool) {
	path := r.q.Path("todo", m.ID)
	rel, _ := filepath.Rel(r.q.Dir, path)
	data, st, err := r.readFile(d.todo, name, MaxLinksTodo)
	if err == unix.ENOENT {
		// Preprocessed (or finished) while we looked.
		return true
	}
	if err != nil {
		m.ioProblem(rel, err)
		return false
	}
	m.Birth = timespec(st.Mtim)
	m.EnvelopeCtime = timespec(st.Ctim)
	env, problems := ParseTodo(capRecords(m, rel, &st, data))
	for _, p := range problems {
		m.problem(rel, p)
	}
	m.Sender = env.Sender
	m.QP, m.UID, m.HasQP = env.QP, env.UID, env.HasQP
	for _, a := range env.Recipients {
		m.Recipients = append(m.Recipients, Recipient{Address: a, Channel: ChannelUnknown})
	}
	return false
}

func (r *reader) readHeader(m *Message, d *splitDirs, name string) {
	if m.Header != nil {
		return
	}
	file := "mess/" + strconv.Itoa(d.n) + "/" + name
	m.Header = &Header{}
	if m.refused(file) {
		return
	}
	f, err := r.openMess(m, d, name)
	if err != nil {
		m.ioProblem(file, err)
		return
	}
	defer f.Close()
	h, err := ParseHeader(f)
	if err != nil {
		m.problem(file, err.Error())
		return
	}
	m.Header = h
	if h.Truncated {
		m.problem(file, headerTooLong)
	}
}

// headerTooLong is the problem on a message whose header block is over
// HeaderLimit.
var headerTooLong = fmt.Sprintf("header block longer than %d KiB; only its first %d KiB are read", HeaderLimit>>10, HeaderLimit>>10)

// openMess opens m's mess file in d with OpenQueueFileAt, checking the
// inode the scan saw when it stat'ed the file.
func (r *reader) openMess(m *Message, d *splitDirs, name string) (*fdReader, error) {
	fd, _, err := OpenQueueFileAt(d.mess, name, m.MessInode, MaxLinks)
	if err != nil {
		return nil, err
	}
	return &fdReader{fd: fd}, nil
}

// MaxRecordFile bounds what is read of one record file (info, local,
// remote, todo, intd, bounce): 4 MiB, about 150,000 recipients of 25 bytes,
// far more than any mailing list puts in one message. The records past it
// are not read: the message gets a problem saying so, whose Errno is EFBIG
// (qmail-qread format prints it as a warning), and the rest of the queue
// goes on. It keeps one message's memory bounded whatever its files hold.
const MaxRecordFile = 4 << 20

// capRecords returns data, the content of a record file of st.Size bytes,
// whole when it is within MaxRecordFile; otherwise cut after its last NUL,
// with a problem on m naming file.
func capRecords(m *Message, file string, st *unix.Stat_t, data []byte) []byte {
	if st.Size <= MaxRecordFile && len(data) <= MaxRecordFile {
		return data
	}
	m.Problems = append(m.Problems, Problem{File: file, Errno: unix.EFBIG,
		Msg: fmt.Sprintf("%d bytes, over the %d MiB qq reads of a record file; the records after that are not shown", st.Size, MaxRecordFile>>20)})
	data = data[:min(len(data), MaxRecordFile)]
	if i := bytes.LastIndexByte(data, 0); i >= 0 {
		return data[:i+1]
	}
	return nil
}

// readFile reads a small queue file relative to a directory fd, opened with
// OpenQueueFileAt, with raw system calls (os.File would add a poller
// registration per open). It reads at most MaxRecordFile+1 bytes, so that
// capRecords can tell a file that grew past the cap.
func (r *reader) readFile(dirfd int, name string, maxLinks uint64) ([]byte, unix.Stat_t, error) {
	fd, st, err := OpenQueueFileAt(dirfd, name, 0, maxLinks)
	if err != nil {
		return nil, st, err
	}
	defer unix.Close(fd)
	want := min(st.Size, MaxRecordFile) + 1
	if int64(len(r.buf)) < want {
		r.buf = make([]byte, want+4096)
	}
	n := 0
	for {
		k, err := unix.Read(fd, r.buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, st, err
		}
		if k == 0 {
			break
		}
		n += k
		if int64(n) >= st.Size && n < len(r.buf) {
			// Everything fstat promised is here: skip the read that would
			// only return EOF (a system call per file on a large queue).
			// qmail-send changes local and remote files only by one-byte
			// writes in place, so their size does not move under us.
			break
		}
		if n > MaxRecordFile {
			break
		}
		if n == len(r.buf) {
			// The file grew since fstat; read the rest too, up to the cap.
			r.buf = append(r.buf, make([]byte, min(len(r.buf), MaxRecordFile+1))...)
		}
	}
	return r.buf[:n], st, nil
}

// fdReader is an io.ReadCloser over a raw file descriptor.
type fdReader struct{ fd int }

func (f *fdReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *fdReader) Close() error { return unix.Close(f.fd) }

func (m *Message) problem(file, msg string) {
	m.Problems = append(m.Problems, Problem{File: file, Msg: msg})
}

// refused reports whether a problem on m already says file is not read
// because it is not a plain queue file.
func (m *Message) refused(file string) bool {
	for _, p := range m.Problems {
		if p.File == file && p.Refused {
			return true
		}
	}
	return false
}

// Refusal returns the first problem saying one of m's files is not a plain
// queue file (a symbolic link, FIFO, directory, extra hard links: see
// UnsafeFileError), which rm and requeue refuse the message for.
func (m *Message) Refusal() (Problem, bool) {
	for _, p := range m.Problems {
		if p.Refused {
			return p, true
		}
	}
	return Problem{}, false
}

// ioProblem records that file could not be read.
func (m *Message) ioProblem(file string, err error) {
	p := Problem{File: file, Msg: errorText(err)}
	errors.As(err, &p.Errno)
	var unsafe *UnsafeFileError
	p.Refused = errors.As(err, &unsafe)
	m.Problems = append(m.Problems, p)
}

func timespec(ts unix.Timespec) time.Time { return time.Unix(ts.Sec, ts.Nsec) }

// errorText describes a system error the way qmail's error_str does, so that
// warnings match qmail-qread's ("file does not exist", "access denied"); a
// refused file is described by its UnsafeFileError.
func errorText(err error) string {
	var unsafe *UnsafeFileError
	if errors.As(err, &unsafe) {
		return unsafe.Reason()
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return ErrorString(errno)
	}
	return err.Error()
}
