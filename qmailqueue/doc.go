// Package qmailqueue reads a qmail queue directory ($QMAIL/queue) the way
// qmail-send, qmail-qread and qmail-qstat do.
//
// The on-disk model follows ../shared/spec/qmail-queue.md (notqmail, the same
// format as qmail-1.03 and netqmail): a message ID is the inode number of
// mess/N/ID with N = ID % split; the split count and big-todo are discovered
// from the directories, never assumed; records are NUL-terminated, a trailing
// partial record is ignored as qmail-send ignores it, and an unknown record
// type is reported as a [Problem] on the message.
//
// The package never changes the queue and never prints. Messages that
// qmail-send finishes while a scan runs are skipped and counted, not errors.
package qmailqueue
