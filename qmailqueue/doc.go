// Package qmailqueue reads a qmail queue directory ($QMAIL/queue) the way
// qmail-send, qmail-qread and qmail-qstat do.
//
// The on-disk model is that of docs/queue.md, qq's reference written from
// qmail's source (notqmail, the same format as qmail-1.03 and netqmail): a message ID is the inode number of
// mess/N/ID with N = ID % split; the split count and big-todo are discovered
// from the directories, never assumed; records are NUL-terminated, a trailing
// partial record is ignored as qmail-send ignores it, and an unknown record
// type is reported as a [Problem] on the message.
//
// The package never prints. Messages that qmail-send finishes while a scan
// runs are skipped and counted, not errors.
//
// Reading never changes the queue (mess files are even read with O_NOATIME,
// so that qmail-send's 36-hour orphan rule is not disturbed). Only these
// change it, each the way docs/queue.md §10 allows:
//
//   - [Queue.Remove] unlinks messages in rule 14's order, with qmail-send
//     stopped (svc.Maintenance), after re-checking each message's
//     [Fingerprint] and, by default, keeping a durable copy in a
//     [Quarantine];
//   - [Queue.Expire] backdates info mtimes, the one change safe while
//     qmail-send runs (rule 9);
//   - [ClearTCPTO] empties lock/tcpto exactly as qmail-tcpok does (rule 10);
//   - an [Injector] puts messages in through qmail-queue, never by making
//     inode-named files (rule 18).
package qmailqueue
