// Package fsck checks a qmail queue directory for everything qmail-send
// cannot cope with, and repairs it.
//
// Unlike the reader in package qmailqueue, which looks only where qmail
// looks, fsck walks the raw directories: it sees files in the wrong split
// subdirectory, names that are not canonical, mess files whose name is not
// their inode number, files of no known kind, and stray files. The reference
// is docs/queue.md, qq's description of the qmail queue written from
// qmail's source:
//
//   - layout (docs/queue.md §1): the directories of hier.c with their owners and
//     modes, the split subdirectories, big-todo, and the lock files, which
//     are inspected with lstat only and never opened for writing;
//   - every message's set of files is one of the legal states S1–S5 of
//     INTERNALS (docs/queue.md §0), its mess name equals its inode (docs/queue.md §2), its
//     files sit in ID % split, their names are canonical, their records
//     parse (docs/queue.md §3) and their owners and modes are those of docs/queue.md §3.8;
//   - orphans are judged by qmail-send's own rule (docs/queue.md §4.6): mess (± intd)
//     without info or todo, and pid/ files, are garbage once their atime is
//     36 hours old; younger ones may belong to a running qmail-queue. The
//     states qmail never cleans up are reported with what qmail-send does
//     about them (docs/queue.md §4.7).
//
// [Check] is read-only and may run while qmail runs; [Finding.Transient]
// marks what may be a passing state. [NewPlan] turns findings into a
// repair plan and [Plan.Execute] carries it out; both must run while
// qmail-send is stopped (the caller's business: svc.Maintenance). A repair
// never removes the last link of a file that holds mail without first
// saving it to a quarantine directory, never replaces a file (renames
// refuse collisions), and never touches lock/sendmutex, lock/tcpto or
// lock/trigger once they exist (docs/queue.md §10 rule 7).
//
// [Create] makes a new empty queue as qmail's install (hier.c) does, and
// [Resplit] moves a stopped queue to another split as qmail-upq does.
//
// The package prints nothing, reads no environment and never exits.
package fsck
