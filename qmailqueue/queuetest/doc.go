// Package queuetest builds qmail queue directories on disk the way
// qmail-queue and qmail-send build them, byte for byte, so that tests of the
// queue reader, the sample command and the testscript fixtures share one
// independent source of truth.
//
// The reference is docs/queue.md, qq's description of the qmail queue written
// from qmail's source:
//
//   - [New] creates the directories of hier.c (docs/queue.md §1.1) with their modes,
//     the split subdirectories (docs/queue.md §1.2, and §1.3 for big-todo) and the three
//     lock files (docs/queue.md §1.4).
//   - [Builder.Add] repeats qmail-queue's steps (docs/queue.md §2, §3.1–§3.3): a
//     pid/ file whose inode becomes the message ID, the link to mess/N/ID, the
//     Received line and the message through the same descriptor, the envelope
//     in intd/ID and its hard link todo/ID. For a preprocessed message it then
//     does qmail-send's part (docs/queue.md §3.4–§3.6, §4.3): info, local, remote and
//     bounce files, and qmail-clean's unlink of intd then todo.
//   - [Builder.AddBroken] leaves the inconsistent states of docs/queue.md §4.6–§4.7 that
//     crashes, careless admins and backup restores produce, for fsck tests.
//   - [Sample] fills a queue with a realistic, deterministic mix of messages
//     (spam flood, bounces, multi-recipient mail, one very large message).
//
// Message IDs are inode numbers, which no test can choose: every function
// returns the ID it got, and [Builder.Path] names the files of an ID.
//
// The builder does not fsync: it makes fixtures, not durable mail. When
// [Options.Owners] is set and the process runs as root it also gives every
// directory and file the owner of docs/queue.md §1.1, §1.4 and §3.8; otherwise owners
// are left as the process creates them. Modes are always set explicitly, so
// the umask does not matter.
package queuetest
