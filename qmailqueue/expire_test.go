package qmailqueue

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/control"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

func TestExpire(t *testing.T) {
	f := newFixture(t)
	m := spam
	m.Recipients = rcpts(queuetest.Recipient{Addr: "a@victim.example", Remote: true})
	s5 := f.add(t, m)
	ancient := m
	ancient.Birth = now.Add(-8 * 24 * time.Hour)
	old := f.add(t, ancient)
	m.State = queuetest.Queued
	s4 := f.add(t, m)
	changed := f.add(t, spam)
	noMess := f.addBroken(t, queuetest.InfoNoMess, spam)
	targets := f.plan(t, s5, old, s4, changed, noMess)

	// A later touch of info (e.g. qq expire run twice at once, or a new
	// message with that ID) changes its ctime.
	time.Sleep(10 * time.Millisecond)
	os.Chtimes(f.b.Path("info", changed), now, now)

	var infoBefore unix.Stat_t
	unix.Stat(f.b.Path("info", s5), &infoBefore)
	got := map[uint64]Outcome{}
	stats, err := f.q.Expire(context.Background(), targets, now, func(r Result) { got[r.Target.ID] = r.Outcome })
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]Outcome{s5: Done, old: Done, s4: Refused, changed: Changed, noMess: Refused}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if stats.Done != 2 || stats.Refused != 2 || stats.Changed != 1 {
		t.Errorf("stats %+v", stats)
	}
	var st unix.Stat_t
	unix.Stat(f.b.Path("info", s5), &st)
	if wantM := now.Add(-f.q.Lifetime - time.Second); !timespec(st.Mtim).Equal(wantM) {
		t.Errorf("info mtime %v, want %v", timespec(st.Mtim), wantM)
	}
	if st.Atim != infoBefore.Atim || st.Mode != infoBefore.Mode || st.Ino != infoBefore.Ino {
		t.Errorf("info atime, mode or inode changed")
	}
	unix.Stat(f.b.Path("info", old), &st)
	if !timespec(st.Mtim).Equal(ancient.Birth) {
		t.Errorf("an already expired message was backdated again")
	}
	if !f.intact(s4) {
		t.Errorf("the todo message changed")
	}
	f.checkLocks(t)
}

func TestTCPTO(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	path := filepath.Join(b.Dir(), "lock", "tcpto")
	data := make([]byte, TCPTOSize)
	copy(data[16:], []byte{192, 0, 2, 7, 3})
	binary.LittleEndian.PutUint32(data[24:], 1795338012)
	copy(data[48:], []byte{10, 1, 2, 3, 1})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTCPTO(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []TCPTimeout{
		{IP: netip.MustParseAddr("192.0.2.7"), Count: 3, Last: time.Unix(1795338012, 0)},
		{IP: netip.MustParseAddr("10.1.2.3"), Count: 1, Last: time.Unix(0, 0)},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	var before unix.Stat_t
	unix.Stat(path, &before)
	// qmail-remote holds the lock for a moment: ClearTCPTO waits.
	holder, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Flock(int(holder.Fd()), unix.LOCK_EX)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	err = ClearTCPTO(ctx, path)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with the lock held: %v, want a deadline error", err)
	}
	go func() { time.Sleep(50 * time.Millisecond); holder.Close() }()
	if err := ClearTCPTO(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	var st unix.Stat_t
	unix.Stat(path, &st)
	if len(after) != TCPTOSize || len(ParseTCPTO(after)) != 0 || st.Ino != before.Ino || st.Mode != before.Mode {
		t.Errorf("after clearing: %d bytes, %v, inode %d→%d, mode %o→%o", len(after), ParseTCPTO(after), before.Ino, st.Ino, before.Mode, st.Mode)
	}
	// A tcpto file replaced by something else is refused.
	os.Remove(path)
	unix.Mkfifo(path, 0o644)
	if err := ClearTCPTO(context.Background(), path); err == nil {
		t.Errorf("a FIFO was written to")
	}
}

// TestQueueTCPOK: the records in use are returned, and the file is left
// all NUL bytes.
func TestQueueTCPOK(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	path := filepath.Join(b.Dir(), "lock", "tcpto")
	data := make([]byte, TCPTOSize)
	copy(data[32:], []byte{192, 0, 2, 9, 2})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	q, err := Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	got, cleared, err := q.TCPOK(context.Background())
	if err != nil || got != path || len(cleared) != 1 || cleared[0].IP != netip.MustParseAddr("192.0.2.9") || cleared[0].Count != 2 {
		t.Fatalf("TCPOK = %q, %v, %v", got, cleared, err)
	}
	if after, _ := os.ReadFile(path); len(after) != TCPTOSize || len(ParseTCPTO(after)) != 0 {
		t.Errorf("after TCPOK: %d bytes, %v in use", len(after), ParseTCPTO(after))
	}
	os.Remove(path)
	if _, _, err := q.TCPOK(context.Background()); err == nil {
		t.Error("TCPOK without lock/tcpto: no error")
	}
}

func FuzzParseTCPTO(f *testing.F) {
	f.Add(make([]byte, TCPTOSize))
	f.Add([]byte{1, 2, 3, 4, 5, 0, 0, 0, 9, 9, 9, 9, 0, 0, 0, 0, 7})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, r := range ParseTCPTO(b) {
			if r.Count < 1 || r.Count > 255 || !r.IP.Is4() {
				t.Errorf("bad record %+v", r)
			}
		}
		if n := len(ParseTCPTO(b)); n > TCPTOSize/16 {
			t.Errorf("%d records from a %d-byte file", n, TCPTOSize)
		}
	})
}

func TestRewriteEnvelope(t *testing.T) {
	rw := &Rewrite{
		Locals: control.NewMap(control.ParseList([]byte("mail.example.com\n")), false),
		VirtualDomains: control.NewMap(control.ParseList([]byte(
			"virt.example:joe\n.sub.example:alias-sub\nexact@addr.example:one\nremote.example:\n#comment:x\nnocolon\n")), true),
	}
	for stored, want := range map[string]string{
		"joe-info@virt.example":          "info@virt.example",
		"joe-joe-x@virt.example":         "joe-x@virt.example",
		"alias-sub-a-b@x.sub.example":    "a-b@x.sub.example",
		"one-exact@addr.example":         "exact@addr.example",
		"joe-info@mail.example.com":      "joe-info@mail.example.com",
		"fred-info@virt.example":         "fred-info@virt.example",
		"user@remote.example":            "user@remote.example",
		"no-at-sign":                     "no-at-sign",
		"joe-@virt.example":              "@virt.example",
		"postmaster@mail.example.com":    "postmaster@mail.example.com",
		"alias-sub-a@deep.x.sub.example": "a@deep.x.sub.example",
	} {
		if got := rw.Envelope(stored); got != want {
			t.Errorf("Envelope(%q) = %q, want %q", stored, got, want)
		}
	}
	if (*Rewrite)(nil).Envelope("a-b@c") != "a-b@c" {
		t.Errorf("nil Rewrite changed an address")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "me"), []byte("me.example\n"), 0o644)
	// Of duplicate keys qmail-send's constmap finds the last (constmap_init
	// puts each entry at the head of its hash chain), case-insensitively.
	os.WriteFile(filepath.Join(dir, "virtualdomains"), []byte("v.example:first\nV.Example:pre\n"), 0o644)
	got, err := ReadRewrite(dir)
	if err != nil {
		t.Fatalf("ReadRewrite: %v", err)
	}
	if _, local := got.Locals.Lookup("ME.example"); !local {
		t.Errorf("control/me is not the local domain when control/locals is missing")
	}
	if e, _ := got.VirtualDomains.Lookup("v.example"); e.Value != "pre" {
		t.Errorf("virtualdomains v.example = %q, want the last line's %q", e.Value, "pre")
	}
	if env := got.Envelope("pre-info@v.example"); env != "info@v.example" {
		t.Errorf("Envelope with the last duplicate's prepend = %q", env)
	}
	if env := got.Envelope("first-info@v.example"); env != "first-info@v.example" {
		t.Errorf("Envelope took the first duplicate's prepend off: %q", env)
	}
}

func FuzzParseVirtualDomains(f *testing.F) {
	f.Add([]byte("virt.example:joe\n# c\n\n.x:y:z \t\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries := control.ParseList(b)
		m := control.NewMap(entries, true)
		rw := &Rewrite{VirtualDomains: m}
		for _, e := range entries {
			k, _, _ := strings.Cut(e.Value, ":")
			found, _ := m.Lookup(k)
			p := found.Value
			if p == "" || k == "" {
				continue
			}
			addr := "user@" + k
			if k[0] == '.' {
				addr = "user@x" + k
			}
			if stored, local := rw.Rewritten(addr); local {
				if got := rw.Envelope(stored); got != addr {
					t.Errorf("Envelope(Rewritten(%q) = %q) = %q", addr, stored, got)
				}
			}
		}
	})
}
