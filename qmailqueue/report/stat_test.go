package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

func TestStat(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	q := &qmailqueue.Queue{Split: 23}
	s := qmailqueue.Summary{Messages: 4, ByState: map[qmailqueue.State]int{qmailqueue.StatePreprocessed: 2, qmailqueue.StateQueued: 1, qmailqueue.StateMessOnly: 1},
		RemotePending: 2, Bouncing: 1}
	v := NewStat(s, q, now)
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"messages":4,"preprocessed":2,"not_preprocessed":1,"by_state":{"broken":0,"mess-only":1,"queued":2,"todo":1,"writing":0},` +
		`"local_pending":0,"remote_pending":2,"bouncing":1,"bytes":null,"oldest":null,"oldest_id":null,"oldest_age_seconds":null,"split":23,"big_todo":false}`
	if string(got) != want {
		t.Errorf("json\n%s\nwant\n%s", got, want)
	}
	if rows := v.Rows(now); len(rows) != 8 || rows[3].Key != "writing" || rows[3].Value != 1 {
		t.Errorf("rows without sizes: %+v", rows)
	}

	s.Sized, s.Bytes, s.Oldest, s.OldestID = true, 3<<20, now.Add(-90*time.Minute), 77
	rows := NewStat(s, q, now).Rows(now)
	if len(rows) != 11 {
		t.Fatalf("rows with sizes: %+v", rows)
	}
	for i, want := range []StatRow{
		{"bytes", "bytes", int64(3 << 20), "3.0 MiB"},
		{"oldest", "oldest", "2026-05-01T10:30:00Z", "2026-05-01 10:30:00 UTC (1h30m ago)"},
		{"oldest_id", "oldest message", uint64(77), "#77"},
	} {
		if rows[8+i] != want {
			t.Errorf("row %d = %+v, want %+v", 8+i, rows[8+i], want)
		}
	}
}
