package qmailqueue

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuarantineEntryView: the JSON view says where the kept files are,
// with the entry's status, and a requeued entry its new ID.
func TestQuarantineEntryView(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := &QuarantineEntry{Run: "run", Kind: KindRemoved, ID: 5, Birth: at, RemovedAt: at, Size: 10, Sender: "s@x",
		Recipients: []QuarantinedRecipient{{Address: "r@y", Channel: "remote"}}, Mess: "5", SenderKnown: true,
		RequeuedAt: &at, RequeuedAs: 8}
	b, err := json.Marshal(e.View("/q", "requeued as 8"))
	want := `{"entry":"run/5","kind":"removed","id":5,"removed_at":"2026-01-02T03:04:05Z","birth":"2026-01-02T03:04:05Z",` +
		`"size":10,"sender":"s@x","recipients":[{"address":"r@y","channel":"remote","done":false}],"subject":"","reason":"",` +
		`"state":"","linked":false,"mess":"/q/run/5","status":"requeued as 8","requeued_as":8,"sender_known":true}`
	if err != nil || string(b) != want {
		t.Errorf("view:\n%s\nwant\n%s", b, want)
	}
	save := &QuarantineEntry{Run: "fsck-x", Kind: KindFsckSave, Files: []KeptFile{{Name: "info/5", From: "info/5"}}}
	v := save.View("/q", "fsck save")
	if len(v.Files) != 1 || v.Files[0].Path != filepath.Join("/q", "fsck-x", "info/5") || v.RequeuedAs != nil || v.Recipients == nil {
		t.Errorf("fsck save: %+v", v)
	}
}

// TestEntrySelectionLoad: ENTRY arguments parse into references; Load
// returns what they select, and Requeued keeps only requeued entries.
func TestEntrySelectionLoad(t *testing.T) {
	_, z, entries := quarantined(t, 2)
	refs, err := ParseEntryRefs([]string{entries[0].Name()})
	if err != nil || len(refs) != 1 {
		t.Fatalf("refs %+v, %v", refs, err)
	}
	if _, err := ParseEntryRefs([]string{"ok", ".."}); err == nil {
		t.Errorf("bad reference: no error")
	}
	got, problems, err := EntrySelection{Refs: refs, Now: now}.Load(z.Dir)
	if err != nil || len(problems) != 0 || len(got) != 1 || got[0].ID != entries[0].ID {
		t.Errorf("by reference: %+v, %v, %v", got, problems, err)
	}
	at := time.Now()
	requeued := entries[1]
	requeued.RequeuedAt, requeued.RequeuedAs = &at, 77
	if err := z.Update([]QuarantineEntry{requeued}); err != nil {
		t.Fatal(err)
	}
	got, _, err = EntrySelection{Now: now, Requeued: true}.Load(z.Dir)
	if err != nil || len(got) != 1 || got[0].ID != entries[1].ID || !strings.HasPrefix(got[0].Status(nil), "requeued as 77") {
		t.Errorf("requeued only: %+v, %v", got, err)
	}
}

// TestQuarantineEntryWords: the sender in angle brackets, or (unknown)
// when none was kept; the first pending recipient and how many more, or
// (none).
func TestQuarantineEntryWords(t *testing.T) {
	for _, tc := range []struct {
		e             QuarantineEntry
		sender, rcpts string
	}{
		{QuarantineEntry{}, "(unknown)", "(none)"},
		{QuarantineEntry{SenderKnown: true, Recipients: []QuarantinedRecipient{{Address: "a@x"}}}, "<>", "a@x"},
		{QuarantineEntry{SenderKnown: true, Sender: "s@y", Recipients: []QuarantinedRecipient{{Address: "a@x"}, {Address: "b@x"}, {Address: "c@x"}}},
			"<s@y>", "a@x (+2)"},
	} {
		if s, r := tc.e.SenderText(), tc.e.RecipientSummary(); s != tc.sender || r != tc.rcpts {
			t.Errorf("%+v: %q, %q; want %q, %q", tc.e, s, r, tc.sender, tc.rcpts)
		}
	}
}
