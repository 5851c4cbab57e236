package fsck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// TestInQuarantine: a qq rm that kept a message in the quarantine (a hard
// link of its mess and a manifest line) and stopped before removing any
// file leaves a mess with two links. Given the quarantine, fsck names the
// other link, and the repair drops the quarantine's copy: the message
// stays in the queue, deliverable, and reads again.
func TestInQuarantine(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	id, err := b.Add(testMessage("kept@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	before := deliverable(t, b.Dir())
	zdir := filepath.Join(filepath.Dir(b.Dir()), "quarantine")
	run := filepath.Join(zdir, "20261122T120000Z-1")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	line := fmt.Sprintf(`{"id":%d,"mess_inode":%d,"mess":"%d","sender":"kept@example.org"}`+"\n", id, id, id)
	if err := os.WriteFile(filepath.Join(run, qmailqueue.ManifestName), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(b.Path("mess", id), filepath.Join(run, fmt.Sprint(id))); err != nil {
		t.Fatal(err)
	}

	// Without the quarantine, the second link is unexplained.
	_, fs := checkQueue(t, b.Dir(), Options{})
	if diff := cmp.Diff([]string{"warning extra-links"}, codes(fs)); diff != "" {
		t.Errorf("without the quarantine (-want +got):\n%s", diff)
	}
	r, fs := checkQueue(t, b.Dir(), Options{QuarantineDir: zdir})
	if diff := cmp.Diff([]string{"warning in-quarantine"}, codes(fs)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
	if !strings.Contains(fs[0].Problem, "20261122T120000Z-1/") {
		t.Errorf("problem does not name the entry: %s", fs[0].Problem)
	}
	var log []string
	if _, err := NewPlan(r, fs).Execute(context.Background(), ExecOptions{
		QuarantineDir: zdir,
		Log:           func(s Step) { log = append(log, s.String()) },
	}); err != nil {
		t.Fatalf("execute: %v\n%s", err, strings.Join(log, "\n"))
	}
	if _, after := checkQueue(t, b.Dir(), Options{QuarantineDir: zdir}); len(after) != 0 {
		t.Errorf("after repair: %s", describe(after))
	}
	if diff := cmp.Diff(before, deliverable(t, b.Dir())); diff != "" {
		t.Errorf("messages (-before +after):\n%s", diff)
	}
	entries, _, err := qmailqueue.LoadQuarantine(zdir)
	if err != nil || len(entries) != 0 {
		t.Errorf("quarantine after repair: %v entries, %v", len(entries), err)
	}
}
