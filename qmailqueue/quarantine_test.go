package qmailqueue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestAddressJSON(t *testing.T) {
	for _, a := range []Address{"", "a@b.example", "ünïcode@example.de", "bad\xff\xfe@x", "<>\"\\"} {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back Address
		if err := json.Unmarshal(b, &back); err != nil || back != a {
			t.Errorf("%q → %s → %q, %v", a, b, back, err)
		}
	}
	b, _ := json.Marshal(Address("x\xff"))
	if string(b) != `{"base64":"eP8="}` {
		t.Errorf("invalid UTF-8 encoded as %s", b)
	}
	var a Address
	for _, bad := range []string{`42`, `{"base64":"!!"}`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestParseManifest(t *testing.T) {
	in := `{"id":1,"sender":"a@b","recipients":[{"address":"c@d","channel":"remote"}],"mess":"1"}
not json
{"id":0}

{"id":2,"sender":{"base64":"eP8="},"mess":"2"}
{"id":3,"sen`
	entries, problems, _ := ParseManifest("run", strings.NewReader(in))
	if len(entries) != 2 || entries[0].ID != 1 || entries[1].Sender != "x\xff" || entries[1].Run != "run" {
		t.Errorf("entries %+v", entries)
	}
	if entries[1].Recipients == nil {
		t.Errorf("nil recipients, want []")
	}
	want := []string{"run line 2: invalid character 'o' in literal null (expecting 'u')", "run line 3: no message ID", "run line 6: incomplete last line ignored"}
	if diff := cmp.Diff(want, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"id":1,"sender":"a@b","recipients":[{"address":"c@d","channel":"remote"}],"mess":"1"}` + "\n"))
	f.Add([]byte(`{"id":2,"sender":{"base64":"eP8="}}` + "\n{\"id\":3"))
	f.Add([]byte("\n\n{}\n[]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, _, _ := ParseManifest("r", bytes.NewReader(b))
		for _, e := range entries {
			if e.ID == 0 || e.Run != "r" || e.Recipients == nil {
				t.Errorf("bad entry %+v", e)
			}
			line, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			again, problems, _ := ParseManifest("r", bytes.NewReader(append(line, '\n')))
			if len(again) != 1 || len(problems) != 0 || again[0].ID != e.ID || again[0].Sender != e.Sender {
				t.Errorf("round trip of %s: %+v %v", line, again, problems)
			}
		}
	})
}

// quarantined removes n spam messages into a fresh quarantine and returns
// it with its entries.
func quarantined(t *testing.T, n int) (*fixture, *Quarantine, []QuarantineEntry) {
	t.Helper()
	f := newFixture(t)
	var ids []uint64
	for range n {
		ids = append(ids, f.addSpam(t))
	}
	z, run := newRun(t)
	if _, err := f.q.Remove(context.Background(), f.plan(t, ids...), RemoveOptions{Quarantine: run}, nil); err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	entries, problems, err := LoadQuarantine(z.Dir)
	if err != nil || len(problems) > 0 || len(entries) != n {
		t.Fatalf("%d entries, %v, %v", len(entries), problems, err)
	}
	return f, z, entries
}

func TestQuarantineLock(t *testing.T) {
	_, z, _ := quarantined(t, 1)
	if _, err := OpenQuarantine(z.Dir); !errors.Is(err, ErrQuarantineBusy) {
		t.Errorf("second open: %v, want ErrQuarantineBusy", err)
	}
	st, err := os.Stat(z.Dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("quarantine mode %v, want 0700", st.Mode())
	}
}

func TestQuarantinePurgeAndUpdate(t *testing.T) {
	_, z, entries := quarantined(t, 3)
	at := now.Add(time.Minute).UTC()
	entries[0].RequeuedAs, entries[0].RequeuedAt = 77, &at
	if err := z.Update(entries[:1]); err != nil {
		t.Fatal(err)
	}
	if err := z.Purge(entries[1:2]); err != nil {
		t.Fatal(err)
	}
	left, problems, err := LoadQuarantine(z.Dir)
	if err != nil || len(problems) > 0 || len(left) != 2 {
		t.Fatalf("%d entries left, %v, %v", len(left), problems, err)
	}
	if left[0].ID != entries[0].ID || left[0].RequeuedAs != 77 || !left[0].RequeuedAt.Equal(at) || left[1].ID != entries[2].ID {
		t.Errorf("left %+v", left)
	}
	if _, err := os.Stat(entries[1].MessPath(z.Dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("purged mess file still there: %v", err)
	}
	// Purging the rest removes the run directory.
	if err := z.Purge(left); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(z.Dir, entries[0].Run)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty run directory still there: %v", err)
	}
	if err := z.Purge([]QuarantineEntry{{Run: "../x", ID: 1}}); err == nil || !strings.Contains(err.Error(), "bad run name") {
		t.Errorf("bad run name: %v", err)
	}
}

// TestQuarantineInQueue stands for a crash between the quarantine copy and
// the first unlink: the entry says its message is still in the queue.
func TestQuarantineInQueue(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	z, run := newRun(t)
	func() {
		defer func() { recover() }()
		f.q.Remove(context.Background(), f.plan(t, id), RemoveOptions{Quarantine: run, BeforeUnlink: func([]uint64) { panic("crash") }}, nil)
	}()
	run.Close()
	if !f.intact(id) {
		t.Fatalf("message touched before the crash point")
	}
	entries, _, _ := LoadQuarantine(z.Dir)
	if len(entries) != 1 || !entries[0].InQueue(f.q) {
		t.Errorf("entry of a message still in the queue: %+v", entries)
	}
}

// TestParseManifestRefusesOutsideNames: a manifest naming files outside
// its run directory (copied in from elsewhere) is not trusted with them.
func TestParseManifestRefusesOutsideNames(t *testing.T) {
	in := `{"id":5,"mess":"../../etc/passwd"}` + "\n" +
		`{"id":6,"kind":"fsck-save","files":[{"name":"/etc/shadow"}]}` + "\n" +
		`{"id":7,"mess":"7"}` + "\n"
	entries, problems, _ := ParseManifest("run", strings.NewReader(in))
	if len(entries) != 1 || entries[0].ID != 7 {
		t.Errorf("entries %+v, want only ID 7", entries)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], "leaves the run directory") {
		t.Errorf("problems %q", problems)
	}
}

// TestParseManifestLongLine: a line over maxManifestLine is a problem and
// skipped; the lines around it are read, and lines longer than the read
// buffer but within the limit parse.
func TestParseManifestLongLine(t *testing.T) {
	subject := strings.Repeat("s", 100_000)
	in := `{"id":1,"mess":"1","subject":"` + subject + `"}` + "\n" +
		strings.Repeat("x", maxManifestLine+10) + "\n" +
		`{"id":2,"mess":"2"}` + "\n"
	entries, problems, err := ParseManifest("run", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Subject != subject || entries[1].ID != 2 {
		t.Errorf("got %d entries", len(entries))
	}
	want := []string{fmt.Sprintf("run line 2: longer than %d bytes, ignored", maxManifestLine)}
	if diff := cmp.Diff(want, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestManifestFIFO: a manifest that is a FIFO is refused at once, not
// waited on.
func TestManifestFIFO(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "20261122T120000Z-1")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(run, ManifestName), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadQuarantine(dir)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") && !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("LoadQuarantine over a FIFO manifest: %v", err)
	}
}

// TestParseManifestOrderWithFsckSaves: the lines of an fsck save are
// merged into its first line's entry, and the entries keep the order of
// their first lines, whatever comes before and after them (the streamed
// reader holds entries from the first fsck save on).
func TestParseManifestOrderWithFsckSaves(t *testing.T) {
	in := `{"id":1,"mess":"1"}
{"kind":"fsck-save","id":7,"files":[{"name":"7/mess","from":"mess/3/7"}]}
{"id":2,"mess":"2"}
{"kind":"fsck-save","id":7,"files":[{"name":"7/info","from":"info/3/7"}]}
{"id":3,"mess":"3"}
`
	entries, problems, err := ParseManifest("run", strings.NewReader(in))
	if err != nil || len(problems) != 0 {
		t.Fatalf("problems %q, %v", problems, err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, fmt.Sprintf("%d:%d", e.ID, len(e.Files)))
	}
	if want := []string{"1:0", "7:2", "2:0", "3:0"}; !slices.Equal(got, want) {
		t.Errorf("entries (ID:files) %q, want %q", got, want)
	}
}

// TestParseManifestSharesRepeatedStrings: the command line, queue, state,
// sender and subject every line of a flood repeats are kept once.
func TestParseManifestSharesRepeatedStrings(t *testing.T) {
	var in strings.Builder
	for id := 1; id <= 3; id++ {
		fmt.Fprintf(&in, `{"id":%d,"queue":"/var/qmail/queue","state":"S5","sender":"promo@spam.example","subject":"Buy","reason":"qq rm --sender promo@spam.example","mess":"%d"}`+"\n", id, id)
	}
	entries, _, err := ParseManifest("run", strings.NewReader(in.String()))
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	for _, e := range entries[1:] {
		for _, pair := range [][2]string{{e.Reason, entries[0].Reason}, {e.Queue, entries[0].Queue}, {string(e.Sender), string(entries[0].Sender)}, {e.Subject, entries[0].Subject}} {
			if unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
				t.Errorf("entry %d: %q is a copy of its own, not the shared one", e.ID, pair[0])
			}
		}
	}
}

// TestWalkQuarantine: the walk hands over the entries LoadQuarantine
// returns, in its order, with the same problems; an error of the callback
// stops it and comes back as it is (not wrapped: ^C must read as ^C); and
// EntrySelection.Each selects as Select does.
func TestWalkQuarantine(t *testing.T) {
	f := newFixture(t)
	var ids []uint64
	for range 5 {
		ids = append(ids, f.addSpam(t))
	}
	z, run := newRun(t)
	for _, id := range ids[:4] {
		m, err := f.q.Message(id, FieldFingerprint|FieldRecipients)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := run.add(f.q, m, "spam"); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	// A second run, interrupted: one file no manifest line lists.
	run2, err := z.NewRun("test", nil, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	crashRun(t, f, run2, ids[4])

	all, problems, err := LoadQuarantine(z.Dir)
	if err != nil || len(all) != 5 {
		t.Fatalf("LoadQuarantine: %d entries, %v", len(all), err)
	}
	var walked []string
	walkProblems, err := WalkQuarantine(z.Dir, func(e *QuarantineEntry) error {
		walked = append(walked, e.Name())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first run's entries in the order they were kept, then the
	// second run's file no manifest line lists.
	var want []string
	for _, id := range ids[:4] {
		want = append(want, fmt.Sprintf("%s/%d", run.Name(), id))
	}
	want = append(want, fmt.Sprintf("%s/%d", run2.Name(), ids[4]))
	if !slices.Equal(walked, want) {
		t.Errorf("walked %q, want %q", walked, want)
	}
	if !slices.Equal(entryNames(all), want) {
		t.Errorf("LoadQuarantine %q, want %q", entryNames(all), want)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "interrupted run") {
		t.Errorf("problems %q, want the interrupted run", problems)
	}
	if !slices.Equal(walkProblems, problems) {
		t.Errorf("walk problems %q, want %q", walkProblems, problems)
	}

	stop := errors.New("stop")
	n := 0
	_, err = WalkQuarantine(z.Dir, func(*QuarantineEntry) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("after the callback's error: %v after %d entries, want it as it is after 2", err, n)
	}

	sel := EntrySelection{Refs: []EntryRef{{Run: run.Name(), ID: ids[1]}, {Run: run2.Name()}}, Now: now}
	selected, err := sel.Select(z.Dir, all)
	if err != nil {
		t.Fatal(err)
	}
	var got []QuarantineEntry
	if _, err := sel.Each(z.Dir, func(e *QuarantineEntry) error { got = append(got, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	want = []string{want[1], want[4]}
	if !slices.Equal(entryNames(got), want) || !slices.Equal(entryNames(selected), want) {
		t.Errorf("Each selected %q, Select %q, want %q", entryNames(got), entryNames(selected), want)
	}
}

// entryNames are the names of entries, in order.
func entryNames(entries []QuarantineEntry) []string {
	var names []string
	for i := range entries {
		names = append(names, entries[i].Name())
	}
	return names
}

// walkErrors is an error of a type that == cannot compare (a slice), as a
// caller's own error type may be.
type walkErrors []string

func (e walkErrors) Error() string { return strings.Join(e, "; ") }

// TestWalkQuarantineCallbackErrorAnyType: whatever the type of the
// callback's error, the walk stops and returns it as it is, without
// comparing it to anything (comparing two values of a slice type panics),
// both from a manifest's lines and from the files no line lists.
func TestWalkQuarantineCallbackErrorAnyType(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "20260101T000000Z-1")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, ManifestName), []byte(`{"id":1,"mess":"1"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop := walkErrors{"stop", "here"}
	walk := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("WalkQuarantine panicked: %v", v)
			}
		}()
		_, err = WalkQuarantine(dir, func(*QuarantineEntry) error { return stop })
		return err
	}
	var got walkErrors
	if err := walk(); !errors.As(err, &got) || err.Error() != "stop; here" {
		t.Errorf("manifest entry: WalkQuarantine = %v, want the callback's error as it is", err)
	}
	// A file no manifest line lists is handed over too.
	if err := os.WriteFile(filepath.Join(run, ManifestName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "2"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := walk(); !errors.As(err, &got) || err.Error() != "stop; here" {
		t.Errorf("unlisted file: WalkQuarantine = %v, want the callback's error as it is", err)
	}
}
