// Package report aggregates a qmail queue for the commands that answer "who
// is filling the queue?" and "is the queue healthy?": qq top (groups of
// messages by sender, recipient, subject, sending host or size, as qmqtool
// -i and exiqsumm do), qq shape (domains against age buckets, as Postfix's
// qshape does), qq check and qq metrics ([Snapshot]).
//
// Everything here consumes [qmailqueue.Message] values from one streaming
// [qmailqueue.Queue.Scan]; each aggregate says which [qmailqueue.Fields] it
// needs, so that message files are opened only when a grouping needs them
// (headers only for subject, IP and HELO). Memory grows with the number of
// groups, never with the number of messages.
//
// Addresses and domains are grouped case-insensitively (lower-cased), the
// way qmail and qq's filters compare them, so that a group is exactly the
// set of messages the matching qq filter selects ([Key.FilterArgs] names
// that filter). Sending hosts come from
// the Received header fields ([qmailqueue.ParseReceived]), skipping the lines
// qmail-queue adds for itself (docs/queue.md §3.2).
//
// The package never prints and never changes the queue.
package report
