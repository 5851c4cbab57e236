package qmailqueue

import "github.com/qqmail/qq/internal/durable"

// syncDir fsyncs a directory of the queue or the quarantine, so that the
// names created, renamed or unlinked in it are durable ([durable.SyncDir]).
var syncDir = durable.SyncDir
