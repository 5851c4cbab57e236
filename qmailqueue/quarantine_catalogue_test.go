package qmailqueue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// crashRun stands for qq rm killed after linking a batch into its run but
// before the batch's manifest lines were written: the links exist, the
// manifest is empty.
func crashRun(t *testing.T, f *fixture, run *QuarantineRun, ids ...uint64) {
	t.Helper()
	for _, id := range ids {
		m, err := f.q.Message(id, FieldFingerprint|FieldRecipients)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := run.add(f.q, m, "spam"); err != nil {
			t.Fatal(err)
		}
	}
	// The process dies: the buffered lines are lost.
	run.manifest.Close()
}

// TestQuarantineInterruptedRun: whatever a run directory holds is listed
// (kind unlisted, the run reported interrupted), requeue refuses it with a
// reason, and purge removes all of it (docs/queue.md §10, issue 11 item 6).
func TestQuarantineInterruptedRun(t *testing.T) {
	f := newFixture(t)
	ids := []uint64{f.addSpam(t), f.addSpam(t), f.addSpam(t)}
	z, run := newRun(t)
	crashRun(t, f, run, ids...)

	entries, problems, err := LoadQuarantine(z.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(ids) {
		t.Fatalf("%d entries, want %d: %+v", len(entries), len(ids), entries)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "interrupted run: 3 files no manifest line describes") {
		t.Errorf("problems %q", problems)
	}
	var got []uint64
	for _, e := range entries {
		got = append(got, e.ID)
		if e.Kind != KindUnlisted || e.Status(f.q) != "unlisted (interrupted run)" {
			t.Errorf("%s: kind %q, status %q", e.Name(), e.Kind, e.Status(f.q))
		}
		if e.Size == 0 || e.MessPath(z.Dir) == "" {
			t.Errorf("%s: size %d, mess %q", e.Name(), e.Size, e.MessPath(z.Dir))
		}
		if r := e.RequeueRefusal(f.q); !strings.Contains(r, "envelope is unknown") {
			t.Errorf("%s: requeue refusal %q", e.Name(), r)
		}
	}
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("unlisted IDs %v, want %v", got, ids)
	}
	for _, id := range ids {
		if !f.intact(id) {
			t.Errorf("message %d touched", id)
		}
	}
	if err := z.Purge(entries); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory still there after purging everything: %v", err)
	}
	if left, _, _ := LoadQuarantine(z.Dir); len(left) != 0 {
		t.Errorf("left after purge: %+v", left)
	}
	for _, id := range ids {
		if !f.intact(id) {
			t.Errorf("purge touched the queue's message %d", id)
		}
	}
}

// TestQuarantineRunPartlyListed: a run with listed messages and unlisted
// files lists both; purging the listed ones keeps the unlisted visible.
func TestQuarantineRunPartlyListed(t *testing.T) {
	f := newFixture(t)
	listed, unlisted := f.addSpam(t), f.addSpam(t)
	z, run := newRun(t)
	m, _ := f.q.Message(listed, FieldFingerprint|FieldRecipients)
	if _, err := run.add(f.q, m, ""); err != nil {
		t.Fatal(err)
	}
	if err := run.sync(); err != nil {
		t.Fatal(err)
	}
	crashRun(t, f, run, unlisted)
	entries, _, err := LoadQuarantine(z.Dir)
	if err != nil || len(entries) != 2 || entries[0].Kind != KindRemoved || entries[1].Kind != KindUnlisted || entries[1].ID != unlisted {
		t.Fatalf("entries %+v, %v", entries, err)
	}
	if !entries[0].Linked {
		t.Errorf("a hard-linked mess not reported linked")
	}
	if err := z.Purge(entries[:1]); err != nil {
		t.Fatal(err)
	}
	left, _, _ := LoadQuarantine(z.Dir)
	if len(left) != 1 || left[0].Kind != KindUnlisted {
		t.Fatalf("left %+v", left)
	}
	if err := z.Purge(left); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory still there: %v", err)
	}
}

// newFsckRun opens a fresh quarantine and starts an fsck run in it.
func newFsckRun(t *testing.T, f *fixture) (*Quarantine, *QuarantineRun) {
	t.Helper()
	z, err := OpenQuarantine(filepath.Join(t.TempDir(), "quarantine"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	run, err := z.NewFsckRun(f.q.Dir, "qq fsck --repair", now)
	if err != nil {
		t.Fatal(err)
	}
	return z, run
}

// TestFsckSave: what fsck --repair saves is one entry per message in the
// shared catalogue, its envelope read back from the saved files, and
// requeue takes it when a mess and a sender were saved.
func TestFsckSave(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	z, run := newFsckRun(t, f)
	if !strings.HasPrefix(filepath.Base(run.Dir()), "fsck-") {
		t.Errorf("run %s", run.Dir())
	}
	for _, kind := range []string{"remote", "info", "mess"} {
		rel, _ := filepath.Rel(f.q.Dir, f.q.Path(kind, id))
		if _, err := run.SaveFile(f.q.Path(kind, id), rel, id, 0, kind == "info"); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	entries, problems, err := LoadQuarantine(z.Dir)
	if err != nil || len(problems) > 0 || len(entries) != 1 {
		t.Fatalf("entries %+v, %v, %v", entries, problems, err)
	}
	e := entries[0]
	sender, rcpts := e.Envelope()
	if e.Kind != KindFsckSave || e.ID != id || len(e.Files) != 3 || !e.SenderKnown || sender != spam.Sender ||
		!slices.Equal(rcpts, []string{"a@victim.example"}) || e.Mess != strconv.FormatUint(id, 10)+"/mess" || e.Status(f.q) != "fsck save" {
		t.Errorf("entry %+v", e)
	}
	// The message is still in the queue (nothing was removed here).
	if r := e.RequeueRefusal(f.q); !strings.Contains(r, "still in the queue") {
		t.Errorf("refusal %q", r)
	}
	// fsck removes the files it saved (mess last).
	for _, kind := range []string{"remote", "info", "mess"} {
		if err := os.Remove(f.q.Path(kind, id)); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.RequeueRefusal(f.q); r != "" {
		t.Errorf("refusal %q, want none", r)
	}
	// Without info or todo the sender is lost.
	e.SenderKnown = false
	if r := e.RequeueRefusal(f.q); !strings.Contains(r, "the sender is lost") {
		t.Errorf("refusal %q", r)
	}
}

// TestFsckSaveLineFirst: the manifest line of an fsck save is durable
// before its file is linked, so a crash in between leaves a listed entry
// (its file missing, said as a problem) that purge removes.
func TestFsckSaveLineFirst(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	z, run := newFsckRun(t, f)
	run.BeforeKeep = func() { panic("crash") }
	func() {
		defer func() { recover() }()
		run.SaveFile(f.q.Path("mess", id), "mess/x", id, 0, false)
	}()
	run.manifest.Close()
	entries, problems, err := LoadQuarantine(z.Dir)
	if err != nil || len(entries) != 1 || entries[0].Kind != KindFsckSave || len(problems) != 1 || !strings.Contains(problems[0], "mess file") {
		t.Fatalf("entries %+v, problems %q, %v", entries, problems, err)
	}
	if err := z.Purge(entries); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory still there: %v", err)
	}
}

// TestLegacyFsckRun: a run of an earlier qq fsck (MANIFEST, tab-separated)
// is listed as fsck saves, and rewritten in today's format when changed.
func TestLegacyFsckRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "quarantine")
	run := filepath.Join(dir, "fsck-20261122T120000Z")
	for name, content := range map[string]string{
		"MANIFEST":    "17/todo\ttodo/17\n17/mess\tmess/3/17\n18/remote\tremote/4/18\npid/123.456\tpid/123.456\n",
		"17/todo":     "u0\x00p1\x00Fa@b.example\x00Tc@d.example\x00",
		"17/mess":     "Subject: x\n\nbody\n",
		"18/remote":   "Tx@y.example\x00",
		"pid/123.456": "junk",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(run, name)), 0o700)
		if err := os.WriteFile(filepath.Join(run, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	entries, problems, err := LoadQuarantine(dir)
	if err != nil || len(problems) > 0 || len(entries) != 3 {
		t.Fatalf("entries %+v, problems %q, %v", entries, problems, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"fsck-20261122T120000Z/17", "fsck-20261122T120000Z/18", "fsck-20261122T120000Z/pid/123.456"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	if s, r := entries[0].Envelope(); s != "a@b.example" || !slices.Equal(r, []string{"c@d.example"}) || entries[0].Mess != "17/mess" || entries[0].RemovedAt.IsZero() {
		t.Errorf("17: %+v", entries[0])
	}
	if entries[1].SenderKnown || entries[1].RequeueRefusal(nil) == "" {
		t.Errorf("18 without info or todo: %+v", entries[1])
	}
	z, err := OpenQuarantine(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if err := z.Purge(entries[2:]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(run, "MANIFEST")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old MANIFEST still there: %v", err)
	}
	left, problems, err := LoadQuarantine(dir)
	if err != nil || len(problems) > 0 || len(left) != 2 || left[0].Name() != want[0] || len(left[0].Files) != 2 {
		t.Fatalf("after migration: %+v, %q, %v", left, problems, err)
	}
}

func FuzzParseEntryRef(f *testing.F) {
	for _, s := range []string{"20261122T120000Z-4242/9995400", "20261122T120000Z-4242", "9995400", "#12", "../x", "a/b/c", "r/x", "", "/", "0", "r/0", "r/pid/1.2", "r/../x", "r/a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseEntryRef(s)
		if err != nil {
			return
		}
		if strings.Contains(ref.Run, "/") || ref.Run == "." || ref.Run == ".." {
			t.Errorf("%q: run %q escapes the quarantine", s, ref.Run)
		}
		if ref.Run == "" && ref.ID == 0 {
			t.Errorf("%q: selects everything", s)
		}
		if ref.File != "" && (ref.ID != 0 || slices.Contains(strings.Split(ref.File, "/"), "..")) {
			t.Errorf("%q: file %q", s, ref.File)
		}
	})
}

func TestParseEntryRef(t *testing.T) {
	for in, want := range map[string]EntryRef{
		"R/17":          {Run: "R", ID: 17},
		"R":             {Run: "R"},
		"17":            {ID: 17},
		"R/pid/1.2":     {Run: "R", File: "pid/1.2"},
		"R/17/mess":     {Run: "R", File: "17/mess"},
		"fsck-20261122": {Run: "fsck-20261122"},
	} {
		if got, err := ParseEntryRef(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/", "0", "R/0", "../x", "R/../x", "R/a//b", "R/", "./x"} {
		if _, err := ParseEntryRef(bad); !errors.Is(err, ErrBadEntryRef) {
			t.Errorf("%q: %v, want ErrBadEntryRef", bad, err)
		}
	}
}

// TestRequeueMissingFile: an entry whose kept file is gone (a line written
// before its file, then a crash) is refused with the reason.
func TestRequeueMissingFile(t *testing.T) {
	_, z, entries := quarantined(t, 1)
	if err := os.Remove(entries[0].MessPath(z.Dir)); err != nil {
		t.Fatal(err)
	}
	entries, _, _ = LoadQuarantine(z.Dir)
	if r := entries[0].RequeueRefusal(nil); !strings.Contains(r, "kept message file is missing") {
		t.Errorf("refusal %q", r)
	}
}

// TestEntrySelectionAge: in the quarantine, the filter's age bounds count
// from the removal, not the birth.
func TestEntrySelectionAge(t *testing.T) {
	at := now.Add(-48 * time.Hour)
	entries := []QuarantineEntry{
		{Run: "r", ID: 1, RemovedAt: at, Birth: now.Add(-100 * time.Hour)},
		{Run: "r", ID: 2, RemovedAt: now.Add(-time.Hour), Birth: now.Add(-100 * time.Hour)},
	}
	f := NewFilter()
	f.OlderThan = 24 * time.Hour
	got, err := EntrySelection{Filter: f, Now: now}.Select(t.TempDir(), entries)
	if err != nil || len(got) != 1 || got[0].ID != 1 {
		t.Errorf("--older 24h: %+v, %v", got, err)
	}
	if f.OlderThan != 24*time.Hour {
		t.Errorf("the caller's filter was changed")
	}
	f = NewFilter()
	f.NewerThan = 24 * time.Hour
	got, _ = EntrySelection{Filter: f, Now: now, Refs: []EntryRef{{Run: "r"}}}.Select(t.TempDir(), entries)
	if len(got) != 1 || got[0].ID != 2 {
		t.Errorf("--newer 24h: %+v", got)
	}
}

// TestPurgeEntries: purging from a directory opens the quarantine, purges
// and lets it go; the summary counts the entries and their bytes, before
// and after; a busy quarantine purges nothing.
func TestPurgeEntries(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	z, run := newRun(t)
	m, _ := f.q.Message(id, FieldFingerprint|FieldRecipients)
	if _, err := run.add(f.q, m, ""); err != nil {
		t.Fatal(err)
	}
	if err := run.sync(); err != nil {
		t.Fatal(err)
	}
	entries, _, err := LoadQuarantine(z.Dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %+v, %v", entries, err)
	}
	want := fmt.Sprintf("would purge 1 messages (%s) from %s", FormatSize(entries[0].Size), z.Dir)
	if got := PurgeSummary(entries, z.Dir, false); got != want {
		t.Errorf("dry run summary %q, want %q", got, want)
	}
	if err := PurgeEntries(z.Dir, entries); !errors.Is(err, ErrQuarantineBusy) {
		t.Fatalf("purge with the lock held: %v, want ErrQuarantineBusy", err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := PurgeEntries(z.Dir, entries); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := LoadQuarantine(z.Dir); len(left) != 0 {
		t.Errorf("left after purge: %+v", left)
	}
	if got := PurgeSummary(nil, "/q", true); got != "purged 0 messages (0 B) from /q" {
		t.Errorf("summary %q", got)
	}
	if got := EntriesSize([]QuarantineEntry{{Size: 3}, {Size: 4}}); got != 7 {
		t.Errorf("EntriesSize = %d, want 7", got)
	}
}
