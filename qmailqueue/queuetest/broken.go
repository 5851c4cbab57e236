package queuetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Broken names an inconsistent on-disk state of one message, as crashes,
// careless admins and backup restores leave them (docs/queue.md §2, §4.6, §4.7).
type Broken int

// The broken states [Builder.AddBroken] can make. "mess" is mess/N/ID with
// the Received line, header and body; the times of every file are set as
// [Builder.Add] sets them (Birth, or NextRetry for local and remote), so a
// caller can age a state past qmail's 36 h OSSIFIED rule with Message.Birth.
const (
	// MessOnly is S2: mess only, as a qmail-queue that died before writing
	// the envelope leaves it. qmail-send removes it once the mess atime is
	// 36 h old.
	MessOnly Broken = iota + 1
	// MessIntd is S3: mess and intd, no todo (qmail-queue died before the
	// commit). Removed like MessOnly.
	MessIntd
	// TodoNoMess is todo/ID without mess and without intd: qmail-send warns
	// "unable to stat mess" at every todo scan, forever.
	TodoNoMess
	// InfoNoMess is a preprocessed message whose mess is gone: info and
	// local/remote (and bounce when Message.Bounce is set) remain.
	InfoNoMess
	// LocalNoInfo is mess plus local and/or remote (and bounce when set)
	// without info: invisible to qmail-send, never cleaned.
	LocalNoInfo
	// BounceNoInfo is mess plus bounce/ID, with no info, local or remote.
	// An empty Message.Bounce gets a one-paragraph default.
	BounceNoInfo
	// IntdOnly is intd/ID alone: no mess, no todo.
	IntdOnly
	// InfoAndTodo is S4 with info: qmail-send crashed while preprocessing,
	// after writing info, local and remote, before qmail-clean unlinked
	// intd and todo. No bounce file is made.
	InfoAndTodo
	// WrongSplit is a preprocessed message whose mess, info, local and
	// remote files sit in subdirectory (ID+1) % split instead of ID % split:
	// silently invisible to qmail-send. It needs a split of 2 or more.
	WrongSplit
	// NameNotInode is a preprocessed message restored from a backup: all its
	// files are named with an ID that is not the inode of its mess file. The
	// name is ID + k*split for the smallest k ≥ 1 that no file uses, so the
	// subdirectories stay right; AddBroken returns that name.
	NameNotInode
	// NonCanonicalName is a preprocessed message whose mess, info, local,
	// remote and bounce files are named "0" + ID (a leading zero), in the
	// right subdirectories. qmail ignores such names.
	NonCanonicalName
	// UnknownRecordType is a preprocessed message whose remote file ends in
	// the record "Xunknown@remote.example\x00"; the remote file is created
	// if the message has no remote recipient.
	UnknownRecordType
	// PartialRecord is a preprocessed message whose remote file ends in
	// "Tpartial@remote.example" with no NUL: qmail-send ignores the partial
	// record. The remote file is created if needed.
	PartialRecord
	// EmptyInfo is a preprocessed message whose info file is empty.
	EmptyInfo
	// InfoWithoutF is a preprocessed message whose info file holds the
	// sender and its NUL without the leading F.
	InfoWithoutF
	// PidOrphan is an empty pid/<pid>.<time>.<seq> file, as a qmail-queue
	// that failed to link it to mess leaves it. Its times are the birth and
	// its ID is 0.
	PidOrphan
)

// brokenNames are the names String and ParseBroken use.
var brokenNames = map[Broken]string{
	MessOnly:          "mess-only",
	MessIntd:          "mess-intd",
	TodoNoMess:        "todo-no-mess",
	InfoNoMess:        "info-no-mess",
	LocalNoInfo:       "local-no-info",
	BounceNoInfo:      "bounce-no-info",
	IntdOnly:          "intd-only",
	InfoAndTodo:       "info-and-todo",
	WrongSplit:        "wrong-split",
	NameNotInode:      "name-not-inode",
	NonCanonicalName:  "non-canonical-name",
	UnknownRecordType: "unknown-record-type",
	PartialRecord:     "partial-record",
	EmptyInfo:         "empty-info",
	InfoWithoutF:      "info-without-f",
	PidOrphan:         "pid-orphan",
}

// AllBroken returns every broken state, in declaration order.
func AllBroken() []Broken {
	all := make([]Broken, 0, len(brokenNames))
	for k := MessOnly; k <= PidOrphan; k++ {
		all = append(all, k)
	}
	return all
}

// String returns the kebab-case name of the state, e.g. "wrong-split".
func (k Broken) String() string {
	if s, ok := brokenNames[k]; ok {
		return s
	}
	return "Broken(" + strconv.Itoa(int(k)) + ")"
}

// ParseBroken returns the state named s (as String prints it).
func ParseBroken(s string) (Broken, error) {
	for k, name := range brokenNames {
		if name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown broken state %q", s)
}

// defaultBounce is the bounce of BounceNoInfo when the message has none.
const defaultBounce = "<nosuchbox@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"

// Trailing records appended by UnknownRecordType and PartialRecord.
const (
	unknownRecord = "Xunknown@remote.example\x00"
	partialRecord = "Tpartial@remote.example"
)

// AddBroken adds one message in the broken state kind and returns its ID
// (the name its files carry; 0 for PidOrphan). m.State is ignored.
func (b *Builder) AddBroken(kind Broken, m Message) (uint64, error) {
	if _, ok := brokenNames[kind]; !ok {
		return 0, fmt.Errorf("add broken message: unknown state %d", int(kind))
	}
	m.State = Preprocessed
	p, err := b.prepare(m)
	if err != nil {
		return 0, fmt.Errorf("add %s message: %w", kind, err)
	}
	b.dirty.Store(true)
	id, err := b.addBroken(kind, p)
	if err != nil {
		return 0, fmt.Errorf("add %s message: %w", kind, err)
	}
	return id, nil
}

func (b *Builder) addBroken(kind Broken, p *prepared) (uint64, error) {
	switch kind {
	case PidOrphan:
		fd, path, err := b.createPidFile(p)
		if err != nil {
			return 0, err
		}
		if err := closeFD(fd, path, finishFD(fd, path, nil, 0o644, b.owners != nil, b.qmailq(), -1)); err != nil {
			return 0, err
		}
		return 0, b.stamp(p.birth, path)
	case MessOnly, MessIntd, IntdOnly:
		id, _, err := b.writeMess(p)
		if err == nil {
			err = b.stamp(p.birth, b.Path("mess", id))
		}
		if err == nil && kind != MessOnly {
			err = b.writeIntd(id, p)
		}
		if err == nil && kind != MessOnly {
			err = b.stamp(p.birth, b.Path("intd", id))
		}
		if err == nil && kind == IntdOnly {
			err = b.unlinkMess(id)
		}
		return id, err
	case TodoNoMess, InfoAndTodo:
		p.State = Queued // todo stays: give it the birth as its times
		id, _, err := b.queue(p)
		if err != nil {
			return 0, err
		}
		if kind == InfoAndTodo {
			return id, b.preprocess(id, p, false)
		}
		if err := remove(b.Path("intd", id)); err != nil {
			return 0, err
		}
		return id, b.unlinkMess(id)
	}

	// The rest start from a preprocessed message.
	if kind == BounceNoInfo && p.Bounce == "" {
		p.Bounce = defaultBounce
	}
	if kind == WrongSplit && b.split < 2 {
		return 0, errors.New("a wrong split subdirectory needs a split of 2 or more")
	}
	id, _, err := b.queue(p)
	if err == nil {
		err = b.preprocess(id, p, true)
	}
	if err == nil {
		err = b.clean(id)
	}
	if err != nil {
		return 0, err
	}
	switch kind {
	case InfoNoMess:
		return id, b.unlinkMess(id)
	case LocalNoInfo:
		if !b.exists("local", id) && !b.exists("remote", id) {
			return 0, errors.New("the message has no recipients, so no local or remote file")
		}
		return id, remove(b.Path("info", id))
	case BounceNoInfo:
		for _, k := range []string{"info", "local", "remote"} {
			if err := remove(b.Path(k, id)); err != nil {
				return 0, err
			}
		}
		return id, nil
	case WrongSplit:
		wrong := strconv.FormatUint((id+1)%uint64(b.split), 10)
		for _, k := range []string{"mess", "info", "local", "remote"} {
			if !b.exists(k, id) {
				continue
			}
			to := filepath.Join(b.dir, k, wrong, strconv.FormatUint(id, 10))
			if err := os.Rename(b.Path(k, id), to); err != nil {
				return 0, err
			}
		}
		return id, nil
	case NameNotInode:
		name := id
		for {
			name += uint64(b.split)
			if !b.taken(name) {
				break
			}
		}
		return name, b.rename(id, func(k string) string { return b.Path(k, name) })
	case NonCanonicalName:
		return id, b.rename(id, func(k string) string {
			path := b.Path(k, id)
			return filepath.Join(filepath.Dir(path), "0"+filepath.Base(path))
		})
	case UnknownRecordType:
		return id, b.appendRemote(id, p, unknownRecord)
	case PartialRecord:
		return id, b.appendRemote(id, p, partialRecord)
	case EmptyInfo:
		if err := os.Truncate(b.Path("info", id), 0); err != nil {
			return 0, err
		}
		return id, b.stamp(p.birth, b.Path("info", id))
	case InfoWithoutF:
		content := append([]byte(p.Sender), 0)
		if err := os.WriteFile(b.Path("info", id), content, 0o600); err != nil {
			return 0, err
		}
		return id, b.stamp(p.birth, b.Path("info", id))
	}
	return 0, fmt.Errorf("unhandled state %s", kind)
}

// qmailq is the uid of qmailq when owners apply, else -1.
func (b *Builder) qmailq() int {
	if b.owners == nil {
		return -1
	}
	return b.owners.Qmailq
}

// exists reports whether the canonical file of kind exists for id.
func (b *Builder) exists(kind string, id uint64) bool {
	_, err := os.Lstat(b.Path(kind, id))
	return err == nil
}

// unlinkMess removes mess/N/ID but keeps its inode open until Close, so no
// new message gets the ID of the stale files left behind.
func (b *Builder) unlinkMess(id uint64) error {
	path := b.Path("mess", id)
	if err := b.hold(path); err != nil {
		return err
	}
	return os.Remove(path)
}

// rename moves every existing file of id to the path to(kind) names.
func (b *Builder) rename(id uint64, to func(kind string) string) error {
	for _, k := range Kinds() {
		if !b.exists(k, id) {
			continue
		}
		if err := os.Rename(b.Path(k, id), to(k)); err != nil {
			return err
		}
	}
	return nil
}

// appendRemote appends raw bytes to remote/N/ID, creating it (qmails:qmail
// 0600) if the message has no remote recipient, and restores its times.
func (b *Builder) appendRemote(id uint64, p *prepared, raw string) error {
	path := b.Path("remote", id)
	if !b.exists("remote", id) {
		uid := -1
		if b.owners != nil {
			uid = b.owners.Qmails
		}
		if err := b.createFile(b.rel("remote", id), nil, 0o600, uid, b.gid()); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(raw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return b.stamp(p.retry(true), path)
}
