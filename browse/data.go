package browse

import (
	"cmp"
	"context"
	"fmt"
	"math"
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

// messageList is the message list before its rows' details are loaded:
// the IDs of the selected messages, in the list's order. The IDs are held
// in 4 bytes each when all of them fit (inode numbers on ext4 always do),
// else in 8, so that a million rows take 4 MB.
type messageList struct {
	narrow []uint32 // when wide is nil
	wide   []uint64
}

// Len returns the number of messages in the list.
func (l messageList) Len() int { return len(l.narrow) + len(l.wide) }

// ID returns the ID of the i-th message.
func (l messageList) ID(i int) uint64 {
	if l.wide != nil {
		return l.wide[i]
	}
	return uint64(l.narrow[i])
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

// listQueue scans the queue once for the messages filter selects: it
// returns their summary (Queue.SummarizeEach, what qq stat --full counts)
// and the message list, the IDs of those that
// also belong to group (when set) in the order of key. One scan for both
// keeps a refresh of the list to the cost of qq stat --full.
//
// hint is the number of messages expected (the last summary's): the list
// is allocated once at that size rather than grown by doubling, which
// would hold the old and the new array at once.
func listQueue(ctx context.Context, q *qmailqueue.Queue, filter *qmailqueue.Filter, key SortKey, group *groupRef, hint int) (qmailqueue.Summary, messageList, error) {
	var namer *report.Namer
	fields := key.fields()
	if group != nil {
		namer = report.NewNamer(group.key, 1)
		fields |= group.key.Fields()
	}
	b := newListBuilder(hint)
	senders := map[string]uint32{} // distinct senders → first-seen number, for SortSender
	sum, err := q.SummarizeEach(ctx, filter, fields, func(m *qmailqueue.Message) error {
		if namer != nil && !slices.Contains(namer.Names(m), group.name) {
			return nil
		}
		var k uint32
		switch key {
		case SortAge:
			k = ageKey(m.Birth)
		case SortSize:
			k = math.MaxUint32 - uint32(min(max(m.Size, 0), math.MaxUint32)) // largest first
		case SortSender:
			s := strings.ToLower(m.Sender)
			n, ok := senders[s]
			if !ok {
				n = uint32(len(senders))
				senders[strings.Clone(s)] = n
			}
			k = n
		}
		b.add(k, m.ID)
		return nil
	})
	if key == SortSender {
		// First-seen numbers become ranks in sender order.
		names := make([]string, len(senders))
		for s, n := range senders {
			names[n] = s
		}
		clear(senders)
		order := make([]uint32, len(names))
		for i := range order {
			order[i] = uint32(i)
		}
		slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(names[a], names[b]) })
		rank := make([]uint32, len(names))
		for r, n := range order {
			rank[n] = uint32(r)
		}
		b.rekey(rank)
	}
	return sum, b.sorted(), err
}

// ageKey is a birth as a 32-bit sort key: Unix seconds (qmail's own
// resolution for a message's birth), clamped to 1970–2106.
func ageKey(t time.Time) uint32 {
	if t.IsZero() {
		return 0
	}
	return uint32(min(max(t.Unix(), 0), math.MaxUint32))
}

// listBuilder collects the message list's IDs with a 32-bit sort key each
// and sorts them by key, then ID. While every ID fits in 32 bits (inode
// numbers on ext4 always do) an entry is one uint64, key<<32 | ID: 8
// bytes a message, and a sort on plain integers. A larger ID switches to
// 16-byte entries.
type listBuilder struct {
	packed []uint64 // key<<32 | ID, while wide is nil
	wide   []wideEntry
}

// wideEntry is a list entry whose ID needs 64 bits.
type wideEntry struct {
	id  uint64
	key uint32
}

func newListBuilder(hint int) *listBuilder {
	return &listBuilder{packed: make([]uint64, 0, max(0, hint))}
}

func (b *listBuilder) add(key uint32, id uint64) {
	if b.wide == nil && id <= math.MaxUint32 {
		b.packed = append(b.packed, uint64(key)<<32|id)
		return
	}
	if b.wide == nil {
		b.wide = make([]wideEntry, len(b.packed), len(b.packed)+1)
		for i, e := range b.packed {
			b.wide[i] = wideEntry{id: e & math.MaxUint32, key: uint32(e >> 32)}
		}
		b.packed = nil
	}
	b.wide = append(b.wide, wideEntry{id: id, key: key})
}

// rekey replaces each entry's key k by rank[k].
func (b *listBuilder) rekey(rank []uint32) {
	for i, e := range b.packed {
		b.packed[i] = uint64(rank[e>>32])<<32 | e&math.MaxUint32
	}
	for i, e := range b.wide {
		b.wide[i].key = rank[e.key]
	}
}

// sorted returns the IDs in order of key, then ID.
func (b *listBuilder) sorted() messageList {
	if b.wide != nil {
		slices.SortFunc(b.wide, func(x, y wideEntry) int { return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.id, y.id)) })
		l := messageList{wide: make([]uint64, len(b.wide))}
		for i, e := range b.wide {
			l.wide[i] = e.id
		}
		return l
	}
	slices.Sort(b.packed)
	l := messageList{narrow: make([]uint32, len(b.packed))}
	for i, e := range b.packed {
		l.narrow[i] = uint32(e)
	}
	return l
}

// groupRef names one group of one grouping.
type groupRef struct {
	key  report.Key
	name string
}

// groupKeys are the groupings the groups screen switches between.
var groupKeys = []report.Key{report.KeySender, report.KeySenderDomain, report.KeyRecipientDomain, report.KeySubject, report.KeyIP, report.KeyHelo}

// groupQueue groups the messages filter selects by key, and summarizes
// them as Summarize(ctx, filter, true) does, in one scan.
func groupQueue(ctx context.Context, q *qmailqueue.Queue, filter *qmailqueue.Filter, key report.Key) (qmailqueue.Summary, []report.Group, report.Group, error) {
	g := report.NewGrouper(key, 1)
	sum, err := q.SummarizeEach(ctx, filter, g.Fields(), func(m *qmailqueue.Message) error {
		g.Add(m)
		return nil
	})
	return sum, g.Groups(report.ByCount, 200), g.Total(), err
}

// detail is what the message view shows of one message (msgview.Load),
// or why it cannot be shown.
type detail struct {
	msg  *qmailqueue.Message
	view *msgview.Detail
	// estimated marks the next retry as an estimate: qmail-send ran when
	// the message was read (msgview.NextRetryEstimated).
	estimated bool
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
	return detail{msg: v.Msg, view: v, estimated: msgview.NextRetryEstimated(q.Dir)}
}

// rowFields are what a row of the message list shows.
const rowFields = qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients | qmailqueue.FieldHeader

// now is the clock used when Options.Now is not set.
var now = time.Now
