package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

// Group is the totals of one group of messages.
type Group struct {
	// Name is the group's value under its grouping: an address or domain
	// (lower-cased), a subject, an IP address, a HELO name (lower-cased) or
	// a size bucket's name. "" stands for "none": the null sender, a
	// message without a subject, a message without a Received hop.
	Name string
	// Messages counts the messages in the group.
	Messages int
	// Recipients counts their pending recipients; under a recipient
	// grouping only those of the group.
	Recipients int
	// Bytes is the sum of the messages' sizes.
	Bytes int64
	// Oldest and Newest are the earliest and latest birth.
	Oldest, Newest time.Time
}

// add counts one message of size bytes, born at birth, with pending
// recipients in the group.
func (g *Group) add(birth time.Time, size int64, pending int) {
	g.Messages++
	g.Recipients += pending
	g.Bytes += size
	if birth.IsZero() {
		return
	}
	if g.Oldest.IsZero() || birth.Before(g.Oldest) {
		g.Oldest = birth
	}
	if birth.After(g.Newest) {
		g.Newest = birth
	}
}

// Order is how groups are sorted.
type Order int

// The orders. Ties are broken by the other measure, then by name.
const (
	// ByCount puts the groups with most messages first.
	ByCount Order = iota
	// ByBytes puts the groups with most bytes first.
	ByBytes
	// ByName sorts by name; size buckets go smallest first.
	ByName
	// ByAge puts the group with the oldest message first.
	ByAge
)

// ParseOrder returns the order named count, bytes, name or age.
func ParseOrder(s string) (Order, error) {
	switch s {
	case "count", "messages":
		return ByCount, nil
	case "bytes", "size":
		return ByBytes, nil
	case "name", "key":
		return ByName, nil
	case "age", "oldest":
		return ByAge, nil
	}
	return 0, fmt.Errorf("unknown order %q: choose count, bytes, name or age", s)
}

// Grouper groups scanned messages under one grouping. Add messages from
// one goroutine (a scan's callback), then read the groups.
type Grouper struct {
	namer  *Namer
	groups map[string]*Group
	total  Group
}

// NewGrouper returns an empty Grouper; hop is as for [NewNamer].
func NewGrouper(key Key, hop int) *Grouper {
	return &Grouper{namer: NewNamer(key, hop), groups: map[string]*Group{}}
}

// Key returns the grouping.
func (g *Grouper) Key() Key { return g.namer.key }

// Fields returns what a scan must read: the grouping's fields, plus the
// size, birth and recipients every group reports.
func (g *Grouper) Fields() qmailqueue.Fields {
	return g.namer.key.Fields() | qmailqueue.FieldSize | qmailqueue.FieldBirth | qmailqueue.FieldRecipients
}

// Add counts m in its groups and in the total.
func (g *Grouper) Add(m *qmailqueue.Message) {
	pending := m.Pending()
	g.total.add(m.Birth, m.Size, pending)
	var perName map[string]int
	if g.namer.key.PerRecipient() {
		perName = g.namer.pendingByName(m)
	}
	for _, name := range g.namer.Names(m) {
		grp := g.groups[name]
		if grp == nil {
			grp = &Group{Name: name}
			g.groups[name] = grp
		}
		p := pending
		if g.namer.key.PerRecipient() {
			p = perName[name]
		}
		grp.add(m.Birth, m.Size, p)
	}
}

// Len returns the number of groups.
func (g *Grouper) Len() int { return len(g.groups) }

// Group returns the group called name (as [Key.Normalize] spells it).
func (g *Grouper) Group(name string) (Group, bool) {
	grp, ok := g.groups[name]
	if !ok {
		return Group{}, false
	}
	return *grp, true
}

// Total returns the totals over every message added (each counted once,
// whatever the number of its groups); its Name is "".
func (g *Grouper) Total() Group { return g.total }

// Groups returns the groups in the given order, at most limit of them
// (0 means all).
func (g *Grouper) Groups(order Order, limit int) []Group {
	// Pointers are sorted, not copies: with many groups (a flood of
	// forged senders) the copies would be ten times their size, most of
	// them cut by limit.
	all := make([]*Group, 0, len(g.groups))
	for _, grp := range g.groups {
		all = append(all, grp)
	}
	compare := g.compare(order)
	slices.SortFunc(all, func(a, b *Group) int { return compare(*a, *b) })
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	out := make([]Group, len(all))
	for i, grp := range all {
		out[i] = *grp
	}
	return out
}

func (g *Grouper) compare(order Order) func(a, b Group) int {
	byName := func(a, b Group) int { return cmp.Compare(a.Name, b.Name) }
	if g.namer.key == KeySize {
		byName = func(a, b Group) int {
			x, _ := SizeBucketNamed(a.Name)
			y, _ := SizeBucketNamed(b.Name)
			return cmp.Compare(x.Min, y.Min)
		}
	}
	switch order {
	case ByBytes:
		return func(a, b Group) int {
			return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(b.Messages, a.Messages), byName(a, b))
		}
	case ByName:
		return byName
	case ByAge:
		return func(a, b Group) int {
			return cmp.Or(a.Oldest.Compare(b.Oldest), cmp.Compare(b.Messages, a.Messages), byName(a, b))
		}
	}
	return func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(b.Bytes, a.Bytes), byName(a, b))
	}
}
