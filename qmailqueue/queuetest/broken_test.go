package queuetest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAddBrokenFileSets(t *testing.T) {
	const split = 7
	// want lists the files of each state; %s is the canonical name, %n the
	// split subdirectory, %w the wrong one ((id+1) % split).
	cases := map[Broken][]string{
		MessOnly:          {"mess/%n/%s"},
		MessIntd:          {"intd/%s", "mess/%n/%s"},
		TodoNoMess:        {"todo/%s"},
		InfoNoMess:        {"bounce/%s", "info/%n/%s", "local/%n/%s", "remote/%n/%s"},
		LocalNoInfo:       {"bounce/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s"},
		BounceNoInfo:      {"bounce/%s", "mess/%n/%s"},
		IntdOnly:          {"intd/%s"},
		InfoAndTodo:       {"info/%n/%s", "intd/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s", "todo/%s"},
		WrongSplit:        {"bounce/%s", "info/%w/%s", "local/%w/%s", "mess/%w/%s", "remote/%w/%s"},
		NameNotInode:      {"bounce/%s", "info/%n/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s"},
		NonCanonicalName:  {"bounce/0%s", "info/%n/0%s", "local/%n/0%s", "mess/%n/0%s", "remote/%n/0%s"},
		UnknownRecordType: {"bounce/%s", "info/%n/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s"},
		PartialRecord:     {"bounce/%s", "info/%n/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s"},
		EmptyInfo:         {"bounce/%s", "info/%n/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s"},
		InfoWithoutF:      {"bounce/%s", "info/%n/%s", "local/%n/%s", "mess/%n/%s", "remote/%n/%s"},
	}
	if len(cases)+1 != len(AllBroken()) {
		t.Fatalf("%d cases for %d states", len(cases), len(AllBroken()))
	}
	b := NewT(t, Options{Split: split})
	for kind, want := range cases {
		t.Run(kind.String(), func(t *testing.T) {
			id, err := b.AddBroken(kind, specMessage())
			if err != nil {
				t.Fatal(err)
			}
			r := strings.NewReplacer("%s", strconv.FormatUint(id, 10),
				"%n", strconv.FormatUint(id%split, 10), "%w", strconv.FormatUint((id+1)%split, 10))
			for i := range want {
				want[i] = r.Replace(want[i])
			}
			got, err := b.Files(id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files of %d (-want +got):\n%s", id, diff)
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(b.Dir(), "pid")); len(entries) != 0 {
		t.Errorf("pid/ is not empty: %v", entries)
	}
}

func TestAddBrokenDetails(t *testing.T) {
	b := NewT(t, Options{Split: 5})
	old := birth.Add(-37 * time.Hour)
	m := specMessage()
	m.Birth = old

	id, err := b.AddBroken(MessOnly, m)
	if err != nil {
		t.Fatal(err)
	}
	fi, st := stat(t, b.Path("mess", id))
	if st.Ino != id || !fi.ModTime().Equal(old) {
		t.Errorf("S2 mess: inode %d (id %d), mtime %v", st.Ino, id, fi.ModTime())
	}
	if atime := time.Unix(st.Atim.Unix()); !atime.Equal(old) {
		t.Errorf("S2 mess atime %v, want %v", atime, old)
	}

	id, err = b.AddBroken(MessIntd, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("intd", id)); !strings.HasPrefix(got, "u65534\x00p18709\x00F") {
		t.Errorf("S3 intd = %q", got)
	}
	wantMtime(t, b.Path("intd", id), old)

	id, err = b.AddBroken(InfoAndTodo, m)
	if err != nil {
		t.Fatal(err)
	}
	_, stTodo := stat(t, b.Path("todo", id))
	if stTodo.Nlink != 2 {
		t.Errorf("info-and-todo: todo has %d links", stTodo.Nlink)
	}
	wantMtime(t, b.Path("todo", id), old)
	wantMtime(t, b.Path("info", id), old)
	wantAbsent(t, b.Path("bounce", id))

	id, err = b.AddBroken(NameNotInode, m)
	if err != nil {
		t.Fatal(err)
	}
	_, st = stat(t, b.Path("mess", id))
	if st.Ino == id || id%5 != st.Ino%5 {
		t.Errorf("name-not-inode: name %d, inode %d", id, st.Ino)
	}
	if got := readFile(t, b.Path("info", id)); got != "Fsender@remote.test\x00" {
		t.Errorf("name-not-inode info = %q", got)
	}

	id, err = b.AddBroken(UnknownRecordType, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("remote", id)); got != "Dgood@remote.test\x00Tdefer1@remote.test\x00Dgood2@remote.test\x00Xunknown@remote.example\x00" {
		t.Errorf("unknown-record-type remote = %q", got)
	}
	wantMtime(t, b.Path("remote", id), old.Add(400*time.Second))

	id, err = b.AddBroken(PartialRecord, Message{Sender: "s@x.example", Recipients: []Recipient{{Addr: "l@local.test"}}, Birth: old})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("remote", id)); got != "Tpartial@remote.example" {
		t.Errorf("partial-record remote = %q", got)
	}
	wantMode(t, b.Path("remote", id), 0o600)

	id, err = b.AddBroken(EmptyInfo, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("info", id)); got != "" {
		t.Errorf("empty-info info = %q", got)
	}
	wantMtime(t, b.Path("info", id), old)

	id, err = b.AddBroken(InfoWithoutF, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("info", id)); got != "sender@remote.test\x00" {
		t.Errorf("info-without-f info = %q", got)
	}
	wantMode(t, b.Path("info", id), 0o600)

	id, err = b.AddBroken(BounceNoInfo, Message{Sender: "s@x.example", Birth: old})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("bounce", id)); got != defaultBounce {
		t.Errorf("bounce-no-info bounce = %q", got)
	}

	id, err = b.AddBroken(PidOrphan, m)
	if err != nil || id != 0 {
		t.Fatalf("pid-orphan: id %d, err %v", id, err)
	}
	pidFile := filepath.Join(b.Dir(), "pid", "18709."+strconv.FormatInt(old.Unix(), 10)+".1")
	if got := readFile(t, pidFile); got != "" {
		t.Errorf("pid orphan holds %q", got)
	}
	wantMode(t, pidFile, 0o644)
	wantMtime(t, pidFile, old)
	// A second orphan of the same pid and second takes the next seq.
	if _, err := b.AddBroken(PidOrphan, m); err != nil {
		t.Fatal(err)
	}
	wantMode(t, strings.TrimSuffix(pidFile, "1")+"2", 0o644)
}

func TestAddBrokenErrors(t *testing.T) {
	b := NewT(t, Options{Split: 1})
	if _, err := b.AddBroken(WrongSplit, specMessage()); err == nil {
		t.Error("wrong-split with split 1 succeeded")
	}
	if _, err := b.AddBroken(LocalNoInfo, Message{Sender: "a@b.example"}); err == nil {
		t.Error("local-no-info without recipients succeeded")
	}
	if _, err := b.AddBroken(Broken(99), specMessage()); err == nil {
		t.Error("unknown broken state succeeded")
	}
}

func TestParseBroken(t *testing.T) {
	for _, k := range AllBroken() {
		got, err := ParseBroken(k.String())
		if err != nil || got != k {
			t.Errorf("ParseBroken(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseBroken("nope"); err == nil {
		t.Error("ParseBroken(nope) succeeded")
	}
	if s := Broken(0).String(); s != "Broken(0)" {
		t.Errorf("Broken(0).String() = %q", s)
	}
}

// Stale files must never end up belonging to a new message: Add skips
// inode numbers they carry, even after Close released the held inodes.
func TestAddAvoidsStaleIDs(t *testing.T) {
	b := NewT(t, Options{Split: 3})
	stale := map[uint64]bool{}
	for _, k := range []Broken{TodoNoMess, InfoNoMess, IntdOnly, TodoNoMess, InfoNoMess} {
		id, err := b.AddBroken(k, specMessage())
		if err != nil {
			t.Fatal(err)
		}
		stale[id] = true
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		id, err := b.Add(specMessage())
		if err != nil {
			t.Fatal(err)
		}
		if stale[id] {
			t.Fatalf("new message got the stale ID %d", id)
		}
		files, _ := b.Files(id)
		if len(files) != 5 {
			t.Fatalf("new message %d has files %v", id, files)
		}
	}
}
