package report

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// now is the clock of every test queue.
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixture is a small queue whose every grouping is known.
type fixture struct {
	q    *qmailqueue.Queue
	b    *queuetest.Builder
	ids  map[string][]uint64 // by label
	size map[uint64]int64
}

func (f *fixture) bytes(label string) int64 {
	var n int64
	for _, id := range f.ids[label] {
		n += f.size[id]
	}
	return n
}

const (
	floodReceived = "Received: from unknown (HELO WIN-4J5K2M8Q) (203.0.113.66)\n  by mail.example.com with SMTP; 20 Nov 2026 12:00:00 -0000\n"
	// A Postfix hop, then our qmail-smtpd hop with remoteinfo and an IPv6
	// peer written by Postfix.
	aliceReceived = "Received: from mx.Example.NET (HELO Relay.Example.Net) (ident@198.51.100.7)\n  by mail.example.com with SMTP; 22 Nov 2026 11:00:00 -0000\n" +
		"Received: from laptop (host.example.net [IPv6:2001:db8::1])\n  by mx.example.net (Postfix) with ESMTPSA id 4X; 22 Nov 2026 10:59:58 -0000\n"
)

// newFixture builds:
//   - flood: 3 messages from promo@cheap-meds.example to one remote
//     recipient, 2 days old, subject "Free Pupil Enlargement", sent from
//     203.0.113.66 (HELO WIN-4J5K2M8Q);
//   - alice: 1 message from Alice@Example.COM, 1 hour old, to
//     bob@example.com (local, pending), carol@example.org (remote, done) and
//     dave@EXAMPLE.org (remote, pending), subject RFC 2047 "Grüße", two hops;
//   - bounce: 1 message not yet preprocessed from the null sender to
//     postmaster@example.com, 3 minutes old, no subject, no hop;
//   - large: 1 message with a 100 KB body from news@lists.example.org, 6
//     days old, to erin@example.com, bouncing.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	f := &fixture{b: b, ids: map[string][]uint64{}, size: map[uint64]int64{}}
	add := func(label string, m queuetest.Message) {
		id, err := b.Add(m)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(b.Path("mess", id))
		if err != nil {
			t.Fatal(err)
		}
		f.ids[label] = append(f.ids[label], id)
		f.size[id] = fi.Size()
	}
	for range 3 {
		add("flood", queuetest.Message{
			Sender:     "promo@cheap-meds.example",
			Recipients: []queuetest.Recipient{{Addr: "victim@example.net", Remote: true}},
			Header:     floodReceived + "From: promo@cheap-meds.example\nSubject: Free Pupil Enlargement\n",
			Body:       []byte("buy now\n"),
			Birth:      now.Add(-48 * time.Hour),
		})
	}
	add("alice", queuetest.Message{
		Sender: "Alice@Example.COM",
		Recipients: []queuetest.Recipient{
			{Addr: "bob@example.com"},
			{Addr: "carol@example.org", Remote: true, Done: true},
			{Addr: "dave@EXAMPLE.org", Remote: true},
		},
		Header: aliceReceived + "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\n",
		Body:   []byte("hello\n"),
		Birth:  now.Add(-time.Hour),
	})
	add("bounce", queuetest.Message{
		Sender:     "",
		Recipients: []queuetest.Recipient{{Addr: "postmaster@example.com"}},
		Header:     "From: MAILER-DAEMON@mail.example.com\n",
		Body:       []byte("Hi. This is the qmail-send program.\n"),
		Birth:      now.Add(-3 * time.Minute),
		State:      queuetest.Queued,
		Invoked:    "for bounce",
	})
	add("large", queuetest.Message{
		Sender:     "news@lists.example.org",
		Recipients: []queuetest.Recipient{{Addr: "erin@example.com"}},
		Header:     "Subject: Newsletter\n",
		Body:       []byte(strings.Repeat("x", 100<<10)),
		Birth:      now.Add(-6 * 24 * time.Hour),
		Bounce:     "<erin@example.com>:\nSorry.\n\n",
	})
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	f.q = q
	return f
}

// group scans the fixture into a Grouper.
func (f *fixture) group(t *testing.T, key Key, hop int) *Grouper {
	t.Helper()
	g := NewGrouper(key, hop)
	_, err := f.q.Scan(context.Background(), qmailqueue.ScanOptions{Fields: g.Fields()}, func(m *qmailqueue.Message) error {
		g.Add(m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGroupings(t *testing.T) {
	f := newFixture(t)
	type row struct {
		Name       string
		Messages   int
		Recipients int
		Bytes      int64
		Oldest     time.Duration // age
		Newest     time.Duration
	}
	flood := func(name string) row {
		return row{name, 3, 3, f.bytes("flood"), 48 * time.Hour, 48 * time.Hour}
	}
	alice := func(name string, rcpts int) row {
		return row{name, 1, rcpts, f.bytes("alice"), time.Hour, time.Hour}
	}
	bounce := func(name string) row {
		return row{name, 1, 1, f.bytes("bounce"), 3 * time.Minute, 3 * time.Minute}
	}
	large := func(name string) row {
		return row{name, 1, 1, f.bytes("large"), 144 * time.Hour, 144 * time.Hour}
	}
	// Messages without the hop: bounce and large have none, flood only one.
	noHop1 := row{"", 2, 2, f.bytes("bounce") + f.bytes("large"), 144 * time.Hour, 3 * time.Minute}
	noHop2 := row{"", 5, 5, f.bytes("bounce") + f.bytes("large") + f.bytes("flood"), 144 * time.Hour, 3 * time.Minute}
	floodSize := SizeBucketOf(f.size[f.ids["flood"][0]]).Name
	tests := []struct {
		key  Key
		hop  int
		want []row // in ByName order
	}{
		{KeySender, 1, []row{bounce(""), alice("alice@example.com", 2), large("news@lists.example.org"), flood("promo@cheap-meds.example")}},
		{KeySenderDomain, 1, []row{bounce(""), flood("cheap-meds.example"), alice("example.com", 2), large("lists.example.org")}},
		{KeyRecipient, 1, []row{
			alice("bob@example.com", 1), alice("carol@example.org", 0), alice("dave@example.org", 1),
			large("erin@example.com"), bounce("postmaster@example.com"), flood("victim@example.net"),
		}},
		{KeyRecipientDomain, 1, []row{
			{"example.com", 3, 3, f.bytes("alice") + f.bytes("bounce") + f.bytes("large"), 144 * time.Hour, 3 * time.Minute},
			flood("example.net"), alice("example.org", 1),
		}},
		{KeySubject, 1, []row{bounce(""), flood("Free Pupil Enlargement"), alice("Grüße", 2), large("Newsletter")}},
		{KeyIP, 1, []row{noHop1, alice("198.51.100.7", 2), flood("203.0.113.66")}},
		{KeyIP, 2, []row{noHop2, alice("2001:db8::1", 2)}},
		{KeyHelo, 1, []row{noHop1, alice("relay.example.net", 2), flood("win-4j5k2m8q")}},
		{KeyHelo, 2, []row{noHop2, alice("laptop", 2)}},
		{KeySize, 1, []row{
			{floodSize, 5, 6, f.bytes("flood") + f.bytes("alice") + f.bytes("bounce"), 48 * time.Hour, 3 * time.Minute},
			large("64K-256K"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key.String()+"/hop"+string(rune('0'+tt.hop)), func(t *testing.T) {
			g := f.group(t, tt.key, tt.hop)
			var got []row
			for _, grp := range g.Groups(ByName, 0) {
				got = append(got, row{grp.Name, grp.Messages, grp.Recipients, grp.Bytes, now.Sub(grp.Oldest), now.Sub(grp.Newest)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			total := g.Total()
			var all int64
			for _, n := range f.size {
				all += n
			}
			if total.Messages != 6 || total.Recipients != 7 || total.Bytes != all {
				t.Errorf("total = %d messages, %d recipients, %d bytes; want 6, 7, %d", total.Messages, total.Recipients, total.Bytes, all)
			}
		})
	}
}

func TestGroupOrder(t *testing.T) {
	f := newFixture(t)
	g := f.group(t, KeySender, 1)
	names := func(gs []Group) []string {
		var n []string
		for _, g := range gs {
			n = append(n, g.Name)
		}
		return n
	}
	for _, tt := range []struct {
		order Order
		limit int
		want  []string
	}{
		{ByCount, 0, []string{"promo@cheap-meds.example", "news@lists.example.org", "alice@example.com", ""}},
		{ByCount, 2, []string{"promo@cheap-meds.example", "news@lists.example.org"}},
		{ByBytes, 1, []string{"news@lists.example.org"}},
		{ByAge, 0, []string{"news@lists.example.org", "promo@cheap-meds.example", "alice@example.com", ""}},
	} {
		if diff := cmp.Diff(tt.want, names(g.Groups(tt.order, tt.limit))); diff != "" {
			t.Errorf("order %d limit %d (-want +got):\n%s", tt.order, tt.limit, diff)
		}
	}
	if grp, ok := g.Group(KeySender.Normalize("<Promo@Cheap-Meds.example>")); !ok || grp.Messages != 3 {
		t.Errorf("Group(promo) = %+v, %v", grp, ok)
	}
	if grp, ok := g.Group(KeySender.Normalize("<>")); !ok || grp.Messages != 1 {
		t.Errorf("Group(<>) = %+v, %v", grp, ok)
	}
}

func TestShape(t *testing.T) {
	f := newFixture(t)
	scan := func(opts ShapeOptions) *Shape {
		s, err := NewShape(opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.q.Scan(context.Background(), qmailqueue.ScanOptions{Fields: s.Fields()}, func(m *qmailqueue.Message) error {
			s.Add(m)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Doubling from 5 minutes, 10 buckets: 5m 10m 20m 40m 80m 160m 320m
	// 640m 1280m, 1280m+. Ages: flood 2d (bucket 9), alice 1h (80m:
	// bucket 4), bounce 3m (bucket 0), large 6d (bucket 9).
	s := scan(DefaultShapeOptions(now))
	wantLimits := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1280}
	for i := range wantLimits {
		wantLimits[i] *= time.Minute
	}
	if diff := cmp.Diff(wantLimits, s.Limits()); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
	want := []ShapeRow{
		{Domain: "example.net", Total: 3, Counts: []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 3}},
		{Domain: "example.com", Total: 3, Counts: []int{1, 0, 0, 0, 1, 0, 0, 0, 0, 1}},
		{Domain: "example.org", Total: 1, Counts: []int{0, 0, 0, 0, 1, 0, 0, 0, 0, 0}},
	}
	// example.com and example.net tie at 3: by name.
	want[0], want[1] = want[1], want[0]
	if diff := cmp.Diff(want, s.Rows(RowOptions{})); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ShapeRow{Domain: "TOTAL", Total: 7, Counts: []int{1, 0, 0, 0, 2, 0, 0, 0, 0, 4}}, s.Total()); diff != "" {
		t.Errorf("total (-want +got):\n%s", diff)
	}
	if got := s.Rows(RowOptions{Top: 1}); len(got) != 1 || got[0].Domain != "example.com" {
		t.Errorf("top 1 = %+v", got)
	}

	// Sender domains, linear buckets of one day: 1d 2d 3d, 3d+.
	s = scan(ShapeOptions{Key: KeySenderDomain, First: 24 * time.Hour, Buckets: 4, Linear: true, Now: now})
	if diff := cmp.Diff([]time.Duration{24 * time.Hour, 48 * time.Hour, 72 * time.Hour}, s.Limits()); diff != "" {
		t.Errorf("linear limits (-want +got):\n%s", diff)
	}
	want = []ShapeRow{
		{Domain: "cheap-meds.example", Total: 3, Counts: []int{0, 3, 0, 0}},
		{Domain: "", Total: 1, Counts: []int{1, 0, 0, 0}},
		{Domain: "example.com", Total: 1, Counts: []int{1, 0, 0, 0}},
		{Domain: "lists.example.org", Total: 1, Counts: []int{0, 0, 0, 1}},
	}
	if diff := cmp.Diff(want, s.Rows(RowOptions{})); diff != "" {
		t.Errorf("sender rows (-want +got):\n%s", diff)
	}
	if _, err := NewShape(ShapeOptions{Key: KeySubject, First: time.Minute, Buckets: 3}); err == nil {
		t.Error("NewShape(subject) succeeded")
	}
}

func TestShapeParents(t *testing.T) {
	s, err := NewShape(ShapeOptions{Key: KeyRecipientDomain, First: time.Hour, Buckets: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"a.example.com", "b.example.com", "x.b.example.com", "example.com", "other.net"} {
		m := &qmailqueue.Message{Birth: now.Add(-time.Duration(i) * time.Hour)}
		m.Recipients = append(m.Recipients, qmailqueue.Recipient{Address: "u@" + d}, qmailqueue.Recipient{Address: "done@" + d, Done: true})
		s.Add(m)
	}
	got := s.Rows(RowOptions{Parents: true, MinSubdomains: 2})
	want := []ShapeRow{
		{Domain: ".example.com", Parent: true, Total: 3, Counts: []int{2, 1}},
		{Domain: "a.example.com", Total: 1, Counts: []int{1, 0}},
		{Domain: "b.example.com", Total: 1, Counts: []int{1, 0}},
		{Domain: "example.com", Total: 1, Counts: []int{0, 1}},
		{Domain: "other.net", Total: 1, Counts: []int{0, 1}},
		{Domain: "x.b.example.com", Total: 1, Counts: []int{0, 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestSnapshot(t *testing.T) {
	f := newFixture(t)
	s, err := TakeSnapshot(context.Background(), f.q, SnapshotOptions{Now: now, Senders: KeySender})
	if err != nil {
		t.Fatal(err)
	}
	if s.Messages != 6 || s.NotPreprocessed() != 1 || s.Bouncing != 1 || s.LocalPending != 2 || s.RemotePending != 4 {
		t.Errorf("snapshot = %+v", s.Summary)
	}
	if got := s.OldestAge(); got != 144*time.Hour {
		t.Errorf("oldest age %v, want 144h", got)
	}
	// Buckets 1m 5m 15m 1h 4h 12h 1d 2d 4d 7d: bounce 3m, alice 1h (≤ 1h),
	// flood 2d (≤ 2d), large 6d.
	if diff := cmp.Diff([]int{0, 1, 0, 1, 0, 0, 0, 3, 0, 1, 0}, s.AgeCounts); diff != "" {
		t.Errorf("age counts (-want +got):\n%s", diff)
	}
	if want := (3*time.Minute + time.Hour + 3*48*time.Hour + 144*time.Hour).Seconds(); s.AgeSumSeconds != want {
		t.Errorf("age sum %v, want %v", s.AgeSumSeconds, want)
	}
	top := s.TopSenders(2, 10)
	if len(top) != 1 || top[0].Name != "promo@cheap-meds.example" || top[0].Messages != 3 {
		t.Errorf("TopSenders(2) = %+v", top)
	}
	if top := s.TopSenders(1, 2); len(top) != 2 {
		t.Errorf("TopSenders(1, 2) = %+v", top)
	}
	plain, err := TakeSnapshot(context.Background(), f.q, SnapshotOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Senders != nil || plain.TopSenders(1, 0) != nil {
		t.Error("snapshot without Senders has senders")
	}
}

func TestKeys(t *testing.T) {
	for _, k := range Keys() {
		got, err := ParseKey(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKey(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKey("nope"); err == nil || !strings.Contains(err.Error(), "sender-domain") {
		t.Errorf("ParseKey(nope) error = %v", err)
	}
	if k, _ := ParseKey("Recipient-Domain"); k != KeyRecipientDomain {
		t.Errorf("alias: got %v", k)
	}
	if got := KeyIP.Normalize("::ffff:192.0.2.1"); got != "192.0.2.1" {
		t.Errorf("Normalize ip = %q", got)
	}
}

func TestSizeBuckets(t *testing.T) {
	for _, tt := range []struct {
		size int64
		name string
	}{{0, "0-1K"}, {1023, "0-1K"}, {1024, "1K-4K"}, {5000, "4K-16K"}, {1 << 20, "1M-4M"}, {64 << 20, "64M+"}, {1 << 40, "64M+"}} {
		b := SizeBucketOf(tt.size)
		if b.Name != tt.name {
			t.Errorf("SizeBucketOf(%d) = %q, want %q", tt.size, b.Name, tt.name)
		}
		if tt.size < b.Min || (b.Max != 0 && tt.size >= b.Max) {
			t.Errorf("%d outside its bucket %+v", tt.size, b)
		}
		if got, ok := SizeBucketNamed(b.Name); !ok || got != b {
			t.Errorf("SizeBucketNamed(%q) = %+v, %v", b.Name, got, ok)
		}
	}
}

// A million messages a year old add up to 31,536,000,000,000 seconds, far
// beyond what a time.Duration holds (about 9.2e9 s): the sum stays exact and
// positive.
func TestSnapshotAgeSumDoesNotOverflow(t *testing.T) {
	const n = 1_000_000
	year := 365 * 24 * time.Hour
	s := &Snapshot{Now: now, AgeBuckets: DefaultAgeBuckets, AgeCounts: make([]int, len(DefaultAgeBuckets)+1)}
	s.ByState = map[qmailqueue.State]int{}
	m := &qmailqueue.Message{Birth: now.Add(-year), State: qmailqueue.StatePreprocessed}
	for range n {
		s.Add(m)
	}
	if want := n * year.Seconds(); s.AgeSumSeconds != want {
		t.Errorf("age sum %g s, want %g s", s.AgeSumSeconds, want)
	}
	if s.AgeCounts[len(s.AgeCounts)-1] != n {
		t.Errorf("age counts %v: want all %d above the last bound", s.AgeCounts, n)
	}
}
