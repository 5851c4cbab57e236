package fsck

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Severity says how bad a finding is.
type Severity int

// The severities, from harmless to harmful.
const (
	// SeverityInfo is a state qmail copes with or cleans up by itself, or
	// one that may be passing (a qmail-queue writing a message): nothing to
	// repair. A queue with only such findings is clean.
	SeverityInfo Severity = iota
	// SeverityWarning is something qmail tolerates but that wastes space,
	// hides a little mail or may break later: garbage qmail-send removes
	// only after 36 hours, a non-prime split, a mode wider than qmail's.
	SeverityWarning
	// SeverityError is mail that qmail-send cannot see, cannot deliver or
	// retries forever, or a layout that stops qmail.
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "info"
}

// Code names the kind of a finding; codes are stable and appear in JSON.
type Code string

// Layout findings.
const (
	CodeMissingDir    Code = "missing-dir"     // a queue directory or split subdirectory is missing
	CodeNotDir        Code = "not-a-directory" // a queue directory is something else
	CodeDirOwner      Code = "dir-owner"       // owner or group of a directory differs from hier.c
	CodeDirMode       Code = "dir-mode"        // mode of a directory differs from hier.c
	CodeExtraSplitDir Code = "extra-split-dir" // a numbered subdirectory beyond the split
	CodeSplitNotPrime Code = "split-not-prime" // conf-split is not a prime number
	CodeLockMissing   Code = "lock-missing"    // lock/tcpto, sendmutex or trigger is missing
	CodeLockType      Code = "lock-type"       // a lock file of the wrong type or size
	CodeLockOwner     Code = "lock-owner"      // owner or group of a lock file differs from hier.c
	CodeLockMode      Code = "lock-mode"       // mode of a lock file differs from hier.c
	CodeStray         Code = "stray"           // a file qmail ignores: not a message file
)

// Message findings.
const (
	CodeOrphan         Code = "orphan"               // S2/S3 older than 36 h: garbage qmail-send removes
	CodeOrphanYoung    Code = "orphan-young"         // S2/S3 younger than 36 h: maybe being written
	CodePidOrphan      Code = "pid-orphan"           // pid/ file older than 36 h: garbage qmail-clean removes
	CodePidYoung       Code = "pid-young"            // pid/ file younger than 36 h
	CodeTodoNoMess     Code = "todo-no-mess"         // todo without mess
	CodeInfoNoMess     Code = "info-no-mess"         // info (± local, remote, bounce) without mess
	CodeIntdOnly       Code = "intd-only"            // intd without mess and todo
	CodeNoInfo         Code = "no-info"              // local, remote or bounce without info
	CodeStaleBounce    Code = "stale-bounce"         // bounce of a message still in todo
	CodeInfoAndTodo    Code = "info-and-todo"        // preprocessing interrupted: qmail-send redoes it
	CodeIntdWithInfo   Code = "intd-with-info"       // intd left beside a preprocessed message
	CodeIntdNotLinked  Code = "intd-todo-not-linked" // intd and todo are not one inode
	CodeWrongSplit     Code = "wrong-split"          // files in a subdirectory other than ID % split
	CodeNonCanonical   Code = "non-canonical-name"   // a name with a leading zero
	CodeNameNotInode   Code = "name-not-inode"       // mess name is not its inode number
	CodeDuplicate      Code = "duplicate"            // two files of one kind for one ID
	CodeNotRegular     Code = "not-regular"          // a message file that is not a regular file
	CodeExtraLinks     Code = "extra-links"          // a message file with more hard links than qmail makes
	CodeInQuarantine   Code = "in-quarantine"        // a mess whose second link is the copy an interrupted qq rm kept
	CodeFileOwner      Code = "file-owner"           // owner or group of a message file differs from docs/queue.md §3.8
	CodeFileMode       Code = "file-mode"            // mode of a message file differs from docs/queue.md §3.8
	CodeBadTodo        Code = "bad-todo"             // todo records qmail-send gives up on
	CodeBadInfo        Code = "bad-info"             // info without a valid F record
	CodeBadRecords     Code = "bad-records"          // local/remote record types other than T and D
	CodePartialRecord  Code = "partial-record"       // a trailing record without its NUL
	CodeBadBounce      Code = "bad-bounce"           // bounce paragraphs not as qmail-send writes them
	CodeUnreadable     Code = "unreadable"           // a file that cannot be read
	CodeTooLarge       Code = "too-large"            // a record file over qmailqueue.MaxRecordFile, not read
	CodeRenameRefused  Code = "rename-refused"       // a needed rename collides with another file
	CodeRepairWithheld Code = "repair-withheld"      // a repair depends on one that was refused
)

// Finding is one thing wrong with the queue.
type Finding struct {
	Code     Code
	Severity Severity
	// ID is the number the message's files carry (HasID) — not
	// necessarily its inode.
	ID    uint64
	HasID bool
	// Files are the files involved, relative to the queue directory.
	Files []string
	// Problem says what is wrong, in one line.
	Problem string
	// Qmail says what qmail-send (or qmail-queue, qmail-clean) does with
	// it (docs/queue.md §4.6, §4.7).
	Qmail string
	// Repair says what a repair does about it; "" when it does nothing.
	Repair string
	// Transient is true when the state may be passing because qmail runs
	// (a qmail-queue writing a message, qmail-send preprocessing one).
	Transient bool
	// Actions are the repair's steps for this finding, in order.
	Actions []Action

	phase    phase
	group    string // findings of one message share it
	relocate bool   // the actions move the group's files (others wait on it)
	target   uint64 // the number a relocation moves the message to
}

// phase orders the units of a plan.
type phase int

const (
	phaseLayout   phase = iota // directories and lock files
	phaseRemove                // quarantine and remove orphans
	phaseRelocate              // renames to the right name and subdirectory
	phaseFix                   // owners, modes, rewrites of record files
	phaseCleanup               // empty extra split subdirectories
)

// Op is a kind of repair step.
type Op string

// The repair steps.
const (
	OpMkdir   Op = "mkdir"   // create a directory with owner and mode
	OpChown   Op = "chown"   // change owner and group (lchown)
	OpChmod   Op = "chmod"   // change the mode
	OpTcpto   Op = "tcpto"   // create lock/tcpto: 1024 NUL bytes (hier.c z(…,1024,…))
	OpMutex   Op = "mutex"   // create lock/sendmutex: empty (hier.c z(…,0,…))
	OpMkfifo  Op = "mkfifo"  // create lock/trigger: a FIFO (hier.c p(…))
	OpSave    Op = "save"    // link the file into the quarantine directory (copy across file systems)
	OpCopy    Op = "copy"    // copy the file into the quarantine directory, leaving it in place
	OpRemove  Op = "remove"  // unlink the file
	OpLink    Op = "link"    // add Target as a new name of Path (never replacing)
	OpRename  Op = "rename"  // move Path to Target (never replacing)
	OpRewrite Op = "rewrite" // replace the content, keeping owner, mode and times
	OpRmdir   Op = "rmdir"   // remove an empty directory
	// OpUnquarantine drops the quarantine entry Target (RUN/ID) whose kept
	// mess is the queue's own file Path: the copy of a qq rm that stopped
	// before it removed anything.
	OpUnquarantine Op = "unquarantine"
)

// Action is one step of a repair. Paths are relative to the queue.
type Action struct {
	Op     Op
	Path   string
	Target string // OpLink, OpRename
	// UID and GID for OpChown, OpMkdir and the lock files; -1 leaves it.
	UID, GID int
	// Mode for OpChmod, OpMkdir and the lock files.
	Mode fs.FileMode
	// Content for OpRewrite.
	Content []byte
	// Ino is the inode Path must still have when the step runs (0: not
	// checked); a file replaced meanwhile is left alone.
	Ino uint64
	// ID names the message in the quarantine directory (OpSave, OpCopy).
	ID uint64
	// targetIno is the inode found at Target when planned (0: none).
	targetIno uint64
}

// String describes the step in one line, as the plan and the log print it.
func (a Action) String() string {
	switch a.Op {
	case OpMkdir:
		return fmt.Sprintf("mkdir %s (%s %04o)", a.Path, ownerString(a.UID, a.GID), a.Mode)
	case OpChown:
		return fmt.Sprintf("chown %s %s", ownerString(a.UID, a.GID), a.Path)
	case OpChmod:
		return fmt.Sprintf("chmod %04o %s", a.Mode, a.Path)
	case OpTcpto:
		return fmt.Sprintf("create %s: 1024 NUL bytes (%s %04o)", a.Path, ownerString(a.UID, a.GID), a.Mode)
	case OpMutex:
		return fmt.Sprintf("create %s: empty (%s %04o)", a.Path, ownerString(a.UID, a.GID), a.Mode)
	case OpMkfifo:
		return fmt.Sprintf("mkfifo %s (%s %04o)", a.Path, ownerString(a.UID, a.GID), a.Mode)
	case OpSave:
		return fmt.Sprintf("save %s to quarantine", a.Path)
	case OpCopy:
		return fmt.Sprintf("copy %s to quarantine", a.Path)
	case OpRemove:
		return "remove " + a.Path
	case OpLink:
		return fmt.Sprintf("link %s %s", a.Path, a.Target)
	case OpRename:
		return fmt.Sprintf("rename %s %s", a.Path, a.Target)
	case OpRewrite:
		return fmt.Sprintf("rewrite %s (%d bytes)", a.Path, len(a.Content))
	case OpRmdir:
		return "rmdir " + a.Path
	case OpUnquarantine:
		return fmt.Sprintf("drop quarantine entry %s (the second link of %s)", a.Target, a.Path)
	}
	return string(a.Op) + " " + a.Path
}

// describeActions summarises actions for Finding.Repair.
func describeActions(actions []Action) string {
	var parts []string
	for _, a := range actions {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, "; ")
}

// What qmail does, in the words of docs/queue.md §4.6–§4.7 and §1.4, by finding.
const (
	qmailOrphan       = "removed by qmail-send's cleanup (at start and every 21 h) once the mess atime is more than 36 hours old"
	qmailOrphanYoung  = "may be a message qmail-queue is writing now; otherwise qmail-send removes it once the mess atime is 36 hours old"
	qmailPid          = "removed by qmail-clean once its atime is 36 hours old"
	qmailPidYoung     = "may belong to a qmail-queue running now; otherwise qmail-clean removes it once its atime is 36 hours old"
	qmailTodoNoMess   = "qmail-send logs \"warning: unable to stat mess/…\" at every todo scan, forever"
	qmailInfoNoMess   = "deliveries are deferred (\"qmail-spawn unable to open message\") until the message expires; then the bounce cannot be injected and qmail-send logs \"trouble injecting bounce message\" every 123 s, forever"
	qmailIntdOnly     = "left alone forever; when the file system gives its number to a new message, qmail-queue fails once (exit 65, temporary) and leaves an orphan"
	qmailNoInfo       = "invisible to qmail-send (it walks info/ only) and never cleaned up; a stale bounce/ID is attached to the bounce of a later message that gets the same ID"
	qmailStaleBounce  = "preprocessing replaces info, local and remote but not bounce/ID, so this old failure report is attached to the message's eventual bounce"
	qmailInfoAndTodo  = "qmail-send skips info at start (pqadd) and preprocesses todo again, replacing info, local and remote"
	qmailIntdWithInfo = "qmail-clean removes it together with mess when the message is finished"
	qmailIntdNotLink  = "qmail-clean removes both after preprocessing"
	qmailIgnored      = "ignored silently: qmail-send and qmail-qread look only at ID % split under the canonical name"
	qmailNameInode    = "delivered under its name, but when the file system gives that number to a new message, qmail-queue fails (exit 64, \"Problem with queue/mess\", temporary) and leaves a pid/ file"
	qmailDuplicate    = "qmail-send sees only the file at the canonical path"
	qmailNotRegular   = "qmail-send cannot read it; qmail-spawn refuses a mess that is not a regular file"
	qmailTooLarge     = "qmail-send reads it as any other; qq does not check a file this large"
	qmailExtraLinks   = "qmail-send does not look at link counts; another name of the same file may be an interrupted rename"
	qmailInQuarantine = "qmail-send does not look at link counts and delivers the message as usual; qq refuses to read a message file with more links than qmail makes"
	qmailMessOwner    = "qmail-spawn defers every delivery: \"message has wrong owner. (#4.3.5)\""
	qmailSendOwner    = "qmail-send (user qmails) cannot open or mark it: \"trouble opening\" or \"trouble marking\", retried forever"
	qmailModeWide     = "qmail works, but the file is readable by more users than qmail's install allows"
	qmailModeNarrow   = "qmail cannot read or write it and retries forever"
	qmailBadTodo      = "qmail-send logs \"warning: unknown record type in todo/ID\" and gives up on it at every todo scan"
	qmailTodoNoF      = "qmail-send writes an info file without a sender; every delivery pass then fails in getinfo"
	qmailBadInfo      = "getinfo fails: every pass logs \"trouble opening\" and retries in 123 s; the message never expires and its bounce cannot be injected"
	qmailBadRecords   = "qmail-send logs \"warning: unknown record type in …!\" and aborts the delivery pass there, at every retry, forever"
	qmailPartial      = "qmail-send ignores the partial record as end of file"
	qmailBadBounce    = "qmail-send copies the file as it is into the failure notice"
	qmailUnreadable   = "qmail-send cannot read it either when it runs as qmails, and retries forever"
	qmailMissingSplit = "qmail-send cannot opendir it: it hangs in pausedir, logging \"unable to opendir\" every 10 s"
	qmailMissingDir   = "qmail-queue or qmail-send fails with a temporary error on every message"
	qmailExtraSplit   = "ignored: files in it are invisible to qmail-send"
	qmailNotPrime     = "qmail works, but IDs spread unevenly over the subdirectories"
	qmailStray        = "ignored by qmail"
	qmailNoMutex      = "qmail-send cannot start: \"alert: cannot start: unable to open mutex\"; a qmail-send still running may hold a lock on the unlinked file"
	qmailNoTrigger    = "qmail-send cannot select on it: new mail waits up to 25 minutes for the periodic todo scan"
	qmailNoTcpto      = "qmail-remote's timeout table is silently disabled and qmail-tcpok fails"
	qmailTriggerType  = "a trigger that is not a FIFO is always readable: qmail-send rescans todo/ in a busy loop"
	qmailMutexType    = "qmail-send cannot open it for its lock and does not start"
	qmailLockOwner    = "qmail-send, qmail-queue or qmail-remote may not be able to open it"
)

// idString formats an ID for messages.
func idString(id uint64) string { return strconv.FormatUint(id, 10) }
