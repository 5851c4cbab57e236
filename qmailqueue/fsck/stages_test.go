package fsck

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// TestRemovalSyncsBetweenStages checks rule 14's durability: removing a
// broken message (an empty info beside local, remote and mess), the
// directories of the first stage's unlinks are fsynced before info goes,
// and info's before mess goes.
func TestRemovalSyncsBetweenStages(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	if _, err := b.AddBroken(queuetest.EmptyInfo, testMessage("broken@example.org", testBirth)); err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	var events []string
	defer func(orig func(string) error) { syncDir = orig }(syncDir)
	syncDir = func(d string) error {
		rel, _ := filepath.Rel(dir, d)
		events = append(events, "sync "+strings.SplitN(rel, "/", 2)[0])
		return nil
	}
	r, fs := checkQueue(t, dir, Options{})
	_, err := NewPlan(r, fs).Execute(context.Background(), ExecOptions{
		QuarantineDir: filepath.Join(filepath.Dir(dir), "quarantine"),
		Log: func(s Step) {
			if s.Action.Op == OpRemove {
				events = append(events, "remove "+strings.SplitN(s.Action.Path, "/", 2)[0])
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// local and remote may go in either order, and be synced in either.
	got := regexp.MustCompile(`(remove|sync) (local|remote)\n(remove|sync) (local|remote)`).
		ReplaceAllString(strings.Join(events, "\n")+"\n", "$1 local+remote")
	want := "remove local+remote\nsync local+remote\nremove info\nsync info\nremove mess\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order of unlinks and directory syncs (-want +got):\n%s", diff)
	}
}
