package fsck

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// tarCopy archives the queue src with archive/tar and extracts it at dst,
// as an admin restoring a backup does: every file gets a new inode, names,
// modes, times and hard links are kept.
func tarCopy(t *testing.T, src, dst string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	inodes := map[uint64]string{}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		hdr.Name = rel
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().IsRegular() && st.Nlink > 1 {
			if first, ok := inodes[st.Ino]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				inodes[st.Ino] = rel
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatalf("tar: %v", err)
	}
	tr := tar.NewReader(&buf)
	type dirTimes struct {
		path string
		hdr  *tar.Header
	}
	var dirs []dirTimes
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dst, hdr.Name)
		mode := fs.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, mode)
			dirs = append(dirs, dirTimes{path, hdr})
		case tar.TypeReg:
			var data []byte
			if data, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(path, data, mode)
			}
		case tar.TypeLink:
			err = os.Link(filepath.Join(dst, hdr.Linkname), path)
		case tar.TypeFifo:
			err = syscall.Mkfifo(path, uint32(mode))
		}
		if err == nil {
			err = os.Chmod(path, mode)
		}
		if err == nil && hdr.Typeflag != tar.TypeDir && hdr.Typeflag != tar.TypeLink {
			err = os.Chtimes(path, hdr.ModTime, hdr.ModTime)
		}
		if err != nil {
			t.Fatalf("untar %s: %v", hdr.Name, err)
		}
	}
	for _, d := range dirs {
		os.Chtimes(d.path, d.hdr.ModTime, d.hdr.ModTime)
	}
}

// TestRestoreFromTar restores a sample queue from a tar archive elsewhere:
// every message is then named after an inode that is not its own. A
// repair renames them all; the queue is then clean and lists the same
// messages, IDs aside.
func TestRestoreFromTar(t *testing.T) {
	for _, bigTodo := range []bool{false, true} {
		t.Run(fmt.Sprintf("big-todo=%v", bigTodo), func(t *testing.T) {
			base := t.TempDir()
			src := filepath.Join(base, "orig")
			if err := os.Mkdir(src, 0o755); err != nil {
				t.Fatal(err)
			}
			rep, err := queuetest.Sample(filepath.Join(src, "queue"), queuetest.SampleOptions{Count: 120, Seed: 3, Split: 7, BigTodo: bigTodo, NoLargeMessage: true})
			if err != nil {
				t.Fatal(err)
			}
			before := deliverable(t, filepath.Join(src, "queue"))
			if len(before) != rep.Preprocessed+rep.TodoOnly {
				t.Fatalf("sample has %d deliverable messages, report says %d+%d", len(before), rep.Preprocessed, rep.TodoOnly)
			}
			dst := filepath.Join(base, "restored", "queue")
			tarCopy(t, filepath.Join(src, "queue"), dst)

			r, fs := checkQueue(t, dst, Options{})
			if r.BigTodo != bigTodo || r.Split != 7 {
				t.Errorf("layout: split %d big-todo %v", r.Split, r.BigTodo)
			}
			renames := 0
			for _, f := range fs {
				if f.Code == CodeNameNotInode {
					renames++
				} else if f.Severity != SeverityInfo {
					t.Errorf("unexpected finding: %s", describe([]*Finding{f}))
				}
			}
			if renames != rep.Messages {
				t.Errorf("%d name-not-inode findings, want one per message (%d)", renames, rep.Messages)
			}
			plan, res, log := repairQueue(t, dst, Options{})
			if runs, refused, _ := plan.Counts(); refused != 0 || runs != renames {
				t.Errorf("plan runs %d units and refuses %d\n%s", runs, refused, strings.Join(log, "\n"))
			}
			if res.Quarantine != "" {
				t.Errorf("a restore saved files to %s", res.Quarantine)
			}
			if r, fs := checkQueue(t, dst, Options{}); !r.Clean() {
				t.Errorf("not clean after repair:\n%s", describe(fs))
			}
			if diff := cmp.Diff(before, deliverable(t, dst)); diff != "" {
				t.Errorf("messages differ after the restore (-before +after):\n%s", diff)
			}
		})
	}
}

// renameMessage gives every file of message id the number to, in the
// subdirectories of to, as a careless restore would.
func renameMessage(t *testing.T, b *queuetest.Builder, id, to uint64, tmp bool) {
	t.Helper()
	for _, k := range queuetest.Kinds() {
		from := b.Path(k, id)
		if _, err := os.Lstat(from); err != nil {
			continue
		}
		dst := b.Path(k, to)
		if tmp {
			dst += ".tmp"
		}
		if err := os.Rename(from, dst); err != nil {
			t.Fatal(err)
		}
	}
}

// untmp removes the .tmp suffix renameMessage added.
func untmp(t *testing.T, b *queuetest.Builder, id uint64) {
	t.Helper()
	for _, k := range queuetest.Kinds() {
		p := b.Path(k, id)
		if _, err := os.Lstat(p + ".tmp"); err == nil {
			if err := os.Rename(p+".tmp", p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRenameCycle swaps the names of two messages, so that each must take
// the other's number: the repair moves one aside to a number of its own
// first.
func TestRenameCycle(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	a, err := b.Add(testMessage("a@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Add(testMessage("c@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	before := deliverable(t, b.Dir())
	renameMessage(t, b, a, c, true)
	renameMessage(t, b, c, a, false)
	untmp(t, b, c)

	_, fs := checkQueue(t, b.Dir(), Options{})
	if diff := cmp.Diff([]string{"error name-not-inode", "error name-not-inode"}, codes(fs)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
	plan, _, log := repairQueue(t, b.Dir(), Options{})
	if _, refused, _ := plan.Counts(); refused != 0 {
		t.Errorf("refused: %s", describe(fs))
	}
	if r, fs := checkQueue(t, b.Dir(), Options{}); !r.Clean() || len(fs) != 0 {
		t.Errorf("after repair:\n%s\nlog:\n%s", describe(fs), strings.Join(log, "\n"))
	}
	if diff := cmp.Diff(before, deliverable(t, b.Dir())); diff != "" {
		t.Errorf("messages (-before +after):\n%s", diff)
	}
	if entries, _ := os.ReadDir(filepath.Join(b.Dir(), "pid")); len(entries) != 0 {
		t.Errorf("pid/ not empty after the staging: %v", entries)
	}
}

// TestRenameCollision refuses a rename whose new name is another file that
// nothing moves or removes, and what depends on it; nothing is changed.
func TestRenameCollision(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	m := testMessage("a@example.org", testBirth)
	m.Recipients = append(m.Recipients, queuetest.Recipient{Addr: "x\x01@remote.example", Remote: true})
	id, err := b.AddBroken(queuetest.NameNotInode, m)
	if err != nil {
		t.Fatal(err)
	}
	_, fs := checkQueue(t, b.Dir(), Options{})
	var target uint64
	for _, f := range fs {
		if f.Code == CodeNameNotInode {
			for _, a := range f.Actions {
				if a.Op == OpRename {
					target, _ = strconv.ParseUint(filepath.Base(a.Target), 10, 64)
				}
			}
		}
	}
	if target == 0 {
		t.Fatalf("no rename planned:\n%s", describe(fs))
	}
	// A directory where the new info must go: not a message file fsck
	// would move or remove.
	blocker := b.Path("info", target)
	if err := os.Mkdir(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	r, fs := checkQueue(t, b.Dir(), Options{})
	plan := NewPlan(r, fs)
	runs, refused, _ := plan.Counts()
	if refused != 1 || runs != 0 {
		t.Fatalf("plan: %d run, %d refused, want 0 and 1\n%s", runs, refused, describe(fs))
	}
	var reloc *Finding
	for _, f := range fs {
		if f.Code == CodeNameNotInode {
			reloc = f
		}
	}
	if !strings.HasPrefix(reloc.Repair, "refused: ID collision") {
		t.Errorf("repair text %q", reloc.Repair)
	}
	if _, err := plan.Execute(context.Background(), ExecOptions{QuarantineDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	files, err := b.Files(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Errorf("files of %d after a refused rename: %v", id, files)
	}
}

// TestInterruptedRename simulates a repair that crashed half-way through a
// rename: some new names already link the files. A second repair finishes
// the rename and quarantines nothing.
func TestInterruptedRename(t *testing.T) {
	for _, stop := range []int{1, 2, 3, 4, 5} {
		t.Run(strconv.Itoa(stop), func(t *testing.T) {
			b := queuetest.NewT(t, queuetest.Options{Split: 5})
			m := testMessage("a@example.org", testBirth)
			m.Bounce = "<zed@remote.example>:\nno such user\n\n"
			if _, err := b.AddBroken(queuetest.NameNotInode, m); err != nil {
				t.Fatal(err)
			}
			ref := queuetest.NewT(t, queuetest.Options{Split: 5})
			if _, err := ref.Add(m); err != nil {
				t.Fatal(err)
			}
			want := deliverable(t, ref.Dir())

			r, fs := checkQueue(t, b.Dir(), Options{})
			plan := NewPlan(r, fs)
			if len(plan.Units) != 1 || len(plan.Units[0].Actions) < stop {
				t.Fatalf("plan: %d units", len(plan.Units))
			}
			// Run the first steps only, as a crash would leave it.
			u := plan.Units[0]
			u.Actions = u.Actions[:stop]
			if _, err := plan.Execute(context.Background(), ExecOptions{QuarantineDir: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			_, _, log := repairQueue(t, b.Dir(), Options{})
			if r, fs := checkQueue(t, b.Dir(), Options{}); !r.Clean() || len(fs) != 0 {
				t.Errorf("after the second repair:\n%s\nlog:\n%s", describe(fs), strings.Join(log, "\n"))
			}
			if diff := cmp.Diff(want, deliverable(t, b.Dir())); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if saved := manifest(t, filepath.Join(filepath.Dir(b.Dir()), "quarantine")); len(saved) != 0 {
				t.Errorf("quarantined live files: %v\nlog:\n%s", saved, strings.Join(log, "\n"))
			}
		})
	}
}

// TestStagedRenameKeepsReserve: when a hop of a staged rename fails, files
// may remain under the staging number, so the pid/ file reserving that
// number is kept (qmail-queue must not be given the number) and the error
// says so.
func TestStagedRenameKeepsReserve(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	a, err := b.Add(testMessage("a@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Add(testMessage("c@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	renameMessage(t, b, a, c, true)
	renameMessage(t, b, c, a, false)
	untmp(t, b, c)

	r, fs := checkQueue(t, b.Dir(), Options{})
	sabotaged := ""
	_, err = NewPlan(r, fs).Execute(context.Background(), ExecOptions{
		QuarantineDir: filepath.Join(filepath.Dir(b.Dir()), "quarantine"),
		Log: func(s Step) {
			if s.Err != nil || s.Action.Target == "" || sabotaged != "" {
				return
			}
			n, _ := strconv.ParseUint(filepath.Base(s.Action.Target), 10, 64)
			if n != a && n != c {
				// A first hop to the staging number: take the file away
				// so that its second hop fails.
				sabotaged = s.Action.Target
				os.Remove(filepath.Join(b.Dir(), sabotaged))
			}
		},
	})
	if sabotaged == "" {
		t.Fatal("no staged rename happened")
	}
	if err == nil || !strings.Contains(err.Error(), "kept pid/qq-fsck.") {
		t.Fatalf("error %v, want one saying the reserving pid/ file is kept", err)
	}
	entries, _ := os.ReadDir(filepath.Join(b.Dir(), "pid"))
	if len(entries) != 1 {
		t.Errorf("pid/ holds %v, want the one reserving file", entries)
	}
}
