package browse

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/msgview"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
)

// stamp is what the queue's directories looked like: the mtime and size of
// each. A directory's mtime changes when an entry is added or removed, so
// an equal stamp means no message came or went, and a refresh can skip
// its scan (qmail-send marking recipients done rewrites files in place and
// is caught at the next change).
type stamp string

// takeStamp stats the queue's directories: about 4×split+3 stats, far
// cheaper than a scan.
func takeStamp(q *qmailqueue.Queue) stamp {
	var b strings.Builder
	add := func(p string) {
		st, err := os.Stat(p)
		if err != nil {
			b.WriteString("-;")
			return
		}
		fmt.Fprintf(&b, "%d.%d;", st.ModTime().UnixNano(), st.Size())
	}
	add(filepath.Join(q.Dir, "todo"))
	add(filepath.Join(q.Dir, "bounce"))
	for _, d := range []string{"mess", "info", "local", "remote"} {
		for i := 0; i < q.Split; i++ {
			add(filepath.Join(q.Dir, d, fmt.Sprint(i)))
		}
	}
	return stamp(b.String())
}

// SortKey orders the message list.
type SortKey int

// The message list's orders.
const (
	SortAge    SortKey = iota // oldest first
	SortSize                  // largest first
	SortSender                // by sender, then age
	SortID                    // by ID
)

var sortNames = []string{"age", "size", "sender", "id"}

func (k SortKey) String() string { return sortNames[k] }

// listEntry is one row of the message list before its details are loaded:
// the ID and one sort key, 16 bytes, so that a million rows stay small.
// For the sender order the key is the sender's rank among the distinct
// senders.
type listEntry struct {
	id  uint64
	key int64
}

// sortFields is what a scan reads for the order: nothing for IDs, a stat
// for size or age, the envelope for the sender.
func (k SortKey) fields() qmailqueue.Fields {
	switch k {
	case SortAge:
		return qmailqueue.FieldBirth
	case SortSize:
		return qmailqueue.FieldSize
	case SortSender:
		return qmailqueue.FieldEnvelope
	}
	return 0
}

// listIDs scans the queue for the messages filter selects (and, when
// group is set, that belong to it), with only the sort field read.
func listIDs(ctx context.Context, q *qmailqueue.Queue, filter *qmailqueue.Filter, key SortKey, group *groupRef) ([]listEntry, error) {
	var namer *report.Namer
	fields := key.fields()
	if group != nil {
		namer = report.NewNamer(group.key, 1)
		fields |= group.key.Fields()
	}
	var out []listEntry
	senders := map[string]int64{} // distinct senders → first-seen number, for SortSender
	_, err := q.Scan(ctx, qmailqueue.ScanOptions{Fields: fields, Filter: filter}, func(m *qmailqueue.Message) error {
		if namer != nil && !slices.Contains(namer.Names(m), group.name) {
			return nil
		}
		e := listEntry{id: m.ID}
		switch key {
		case SortAge:
			e.key = m.Birth.UnixNano()
		case SortSize:
			e.key = -m.Size // largest first
		case SortSender:
			s := strings.ToLower(m.Sender)
			n, ok := senders[s]
			if !ok {
				n = int64(len(senders))
				senders[strings.Clone(s)] = n
			}
			e.key = n
		}
		out = append(out, e)
		return nil
	})
	if key == SortSender {
		// First-seen numbers become ranks in sender order.
		names := make([]string, len(senders))
		for s, n := range senders {
			names[n] = s
		}
		order := make([]int, len(names))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
		rank := make([]int64, len(names))
		for r, n := range order {
			rank[n] = int64(r)
		}
		for i := range out {
			out[i].key = rank[out[i].key]
		}
	}
	slices.SortFunc(out, func(a, b listEntry) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.id, b.id)) })
	return out, err
}

// groupRef names one group of one grouping.
type groupRef struct {
	key  report.Key
	name string
}

// groupKeys are the groupings the groups screen switches between.
var groupKeys = []report.Key{report.KeySender, report.KeySenderDomain, report.KeyRecipientDomain, report.KeySubject, report.KeyIP, report.KeyHelo}

// groupQueue groups the selected messages by key.
func groupQueue(ctx context.Context, q *qmailqueue.Queue, filter *qmailqueue.Filter, key report.Key) ([]report.Group, report.Group, error) {
	g := report.NewGrouper(key, 1)
	_, err := q.Scan(ctx, qmailqueue.ScanOptions{Fields: g.Fields(), Filter: filter}, func(m *qmailqueue.Message) error {
		g.Add(m)
		return nil
	})
	return g.Groups(report.ByCount, 200), g.Total(), err
}

// detail is what the message view shows of one message (msgview.Load),
// or why it cannot be shown.
type detail struct {
	msg  *qmailqueue.Message
	view *msgview.Detail
	// logErr says why the last attempts could not be read from the log.
	logErr error
	err    error
}

// loadDetail reads everything about one message, each file through the
// library's safe readers.
func loadDetail(q *qmailqueue.Queue, id uint64) detail {
	v, err := msgview.Load(q, id, true)
	if err != nil {
		return detail{err: err}
	}
	return detail{msg: v.Msg, view: v}
}

// rowFields are what a row of the message list shows.
const rowFields = qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients | qmailqueue.FieldHeader

// now is the clock used when Options.Now is not set.
var now = time.Now
