package report

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

// DisplayName is the name of a group for people: name itself, or for the
// "none" group ("") of grouping k a word saying what it holds: "<>" for
// the null sender, "(no subject)", "(no hop N)" and so on. It is not made
// safe for a terminal: the caller does that.
func (k Key) DisplayName(name string, hop int) string {
	if name != "" {
		return name
	}
	switch k {
	case KeySender:
		return "<>"
	case KeySenderDomain:
		return "(none: <> or no @)"
	case KeyRecipient, KeyRecipientDomain:
		return "(no domain)"
	case KeySubject:
		return "(no subject)"
	case KeyIP, KeyHelo:
		return "(no hop " + strconv.Itoa(hop) + ")"
	case KeyAttachment:
		return "(no attachment)"
	}
	return name
}

// ParseGroup returns a group name as the user typed it (qq top --group)
// in the form grouping k names it (Normalize), or an error when k has no
// such group: a size range other than SizeBucketNames.
func (k Key) ParseGroup(name string) (string, error) {
	g := k.Normalize(name)
	if k == KeySize {
		if _, ok := SizeBucketNamed(g); !ok {
			return "", fmt.Errorf("%q is not a size bucket; they are %s", name, strings.Join(SizeBucketNames(), ", "))
		}
	}
	return g, nil
}

// HasHop reports whether the grouping reads a Received hop (--hop).
func (k Key) HasHop() bool { return k == KeyIP || k == KeyHelo }

// SelectArgs returns the arguments of a selecting command (qq rm) that
// select exactly the messages of group name, counted at Received hop hop
// for KeyIP and KeyHelo: base (the flags that made the selection the
// groups were counted in) and the group's own filter flags (FilterArgs).
// ok is false when no filter does: IP hops, the groups FilterArgs names,
// a HELO group in a selection with its own --helo (one --helo replaces
// the other), and any selection negated with --not.
func (k Key) SelectArgs(name string, hop int, filter *qmailqueue.Filter, base []string) (args []string, ok bool) {
	if filter != nil && (filter.Not || (k == KeyHelo && filter.Helo != nil)) {
		return nil, false
	}
	own, ok := k.FilterArgs(name, hop)
	if !ok {
		return nil, false
	}
	return append(slices.Clone(base), own...), true
}

// ListArgs returns the arguments of qq top that list the IDs of the
// messages of group name (--format ids), for a group no filter selects
// (SelectArgs): base (the flags that made the selection the groups were
// counted in), the grouping with its hop, and the group.
func (k Key) ListArgs(name string, hop int, base []string) []string {
	args := append(slices.Clone(base), "--by", k.String())
	if k.HasHop() {
		args = append(args, "--hop", strconv.Itoa(hop))
	}
	return append(args, "--group", name, "--format", "ids")
}

// Summary is a group's size in words, as qq top --format rm notes it
// beside each command: "3 messages, 1 recipient pending, 12.0 KiB".
func (g Group) Summary() string {
	return fmt.Sprintf("%s, %s pending, %s", plural(g.Messages, "message"), plural(g.Recipients, "recipient"), qmailqueue.FormatSize(g.Bytes))
}

// TopArgs are the grouping options of qq top as its command line gives
// them.
type TopArgs struct {
	By    string // the grouping ([ParseKey])
	Hop   int    // the Received hop KeyIP and KeyHelo read, 1 the nearest
	Sort  string // the order of the groups ([ParseOrder])
	Limit int    // at most this many groups, 0 all
	// Group is the one group to show, as typed ([Key.ParseGroup]), when
	// GroupSet; "" is then the "none" group.
	Group    string
	GroupSet bool
}

// Top is what [TopArgs] describe: a grouping and the groups to show.
type Top struct {
	Key   Key
	Hop   int
	Order Order
	Limit int
	// Group is the name of the one group to show, when GroupSet.
	Group    string
	GroupSet bool
}

// Parse checks args and returns the [Top] they describe. An error names
// the option as qq top spells it.
func (args TopArgs) Parse() (Top, error) {
	key, err := ParseKey(args.By)
	if err != nil {
		return Top{}, fmt.Errorf("--by: %w", err)
	}
	order, err := ParseOrder(args.Sort)
	if err != nil {
		return Top{}, fmt.Errorf("--sort: %w", err)
	}
	if args.Limit < 0 {
		return Top{}, errors.New("--limit must not be negative")
	}
	if args.Hop < 1 {
		return Top{}, errors.New("--hop must be 1 or more")
	}
	t := Top{Key: key, Hop: args.Hop, Order: order, Limit: args.Limit, GroupSet: args.GroupSet}
	if args.GroupSet {
		if t.Group, err = key.ParseGroup(args.Group); err != nil {
			return Top{}, fmt.Errorf("--group %w", err)
		}
	}
	return t, nil
}

// Groups returns the groups of g to show: with GroupSet the one group
// (none when g has no such group), otherwise the groups in Order, at most
// Limit.
func (t Top) Groups(g *Grouper) []Group {
	if !t.GroupSet {
		return g.Groups(t.Order, t.Limit)
	}
	if grp, ok := g.Group(t.Group); ok {
		return []Group{grp}
	}
	return nil
}

// TopJSON is the JSON schema of `qq top`.
type TopJSON struct {
	By     string         `json:"by"`
	Hop    *int           `json:"hop,omitempty"`
	Groups []TopGroupJSON `json:"groups"`
	Count  int            `json:"group_count"`
	Total  TopGroupJSON   `json:"total"`
}

// TopGroupJSON is one group, or the total, of `qq top`.
type TopGroupJSON struct {
	Name       *string `json:"name,omitempty"`
	Messages   int     `json:"messages"`
	Recipients int     `json:"recipients_pending"`
	Bytes      int64   `json:"bytes"`
	Oldest     *string `json:"oldest"`
	Newest     *string `json:"newest"`
	OldestAge  *int64  `json:"oldest_age_seconds"`
	// RmArgs are the qq rm arguments that select exactly this group, null
	// when no filter does.
	RmArgs *[]string `json:"rm_args,omitempty"`
}

// NewTopJSON returns the JSON view of groups (of count in all) and their
// total under grouping k, ages counted from now; rmArgs gives each group's
// qq rm arguments (Key.SelectArgs).
func NewTopJSON(k Key, hop int, groups []Group, total Group, count int, now time.Time, rmArgs func(Group) ([]string, bool)) TopJSON {
	v := TopJSON{By: k.String(), Groups: []TopGroupJSON{}, Count: count, Total: newTopGroupJSON(total, now)}
	if k.HasHop() {
		v.Hop = &hop
	}
	for _, g := range groups {
		gj := newTopGroupJSON(g, now)
		name := g.Name
		gj.Name = &name
		args, ok := rmArgs(g)
		if !ok {
			args = nil
		}
		gj.RmArgs = &args
		v.Groups = append(v.Groups, gj)
	}
	return v
}

func newTopGroupJSON(g Group, now time.Time) TopGroupJSON {
	v := TopGroupJSON{Messages: g.Messages, Recipients: g.Recipients, Bytes: g.Bytes}
	if !g.Oldest.IsZero() {
		o, n, age := g.Oldest.UTC().Format(time.RFC3339), g.Newest.UTC().Format(time.RFC3339), int64(now.Sub(g.Oldest)/time.Second)
		v.Oldest, v.Newest, v.OldestAge = &o, &n, &age
	}
	return v
}
