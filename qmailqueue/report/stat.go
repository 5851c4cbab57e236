package report

import (
	"fmt"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

// Stat is the JSON schema of `qq stat`: a [qmailqueue.Summary] of a
// queue. It is documented in README.md; add fields, never rename or remove
// them.
type Stat struct {
	Messages        int            `json:"messages"`
	Preprocessed    int            `json:"preprocessed"`
	NotPreprocessed int            `json:"not_preprocessed"`
	ByState         map[string]int `json:"by_state"`
	LocalPending    int            `json:"local_pending"`
	RemotePending   int            `json:"remote_pending"`
	Bouncing        int            `json:"bouncing"`
	Bytes           *int64         `json:"bytes"`
	Oldest          *string        `json:"oldest"`
	OldestID        *uint64        `json:"oldest_id"`
	OldestAgeSecs   *int64         `json:"oldest_age_seconds"`
	Split           int            `json:"split"`
	BigTodo         bool           `json:"big_todo"`

	oldest time.Time
}

// allStates are the message states, in the order qq reports them.
var allStates = []qmailqueue.State{qmailqueue.StatePreprocessed, qmailqueue.StateQueued, qmailqueue.StateWriting, qmailqueue.StateMessOnly, qmailqueue.StateBroken}

// NewStat returns the view of summary s of queue q, ages counted from now.
// Bytes and the oldest message are null unless s has them (Summarize with
// sizes).
func NewStat(s qmailqueue.Summary, q *qmailqueue.Queue, now time.Time) Stat {
	v := Stat{
		Messages: s.Messages, Preprocessed: s.ByState[qmailqueue.StatePreprocessed], NotPreprocessed: s.ByState[qmailqueue.StateQueued],
		ByState: map[string]int{}, LocalPending: s.LocalPending, RemotePending: s.RemotePending,
		Bouncing: s.Bouncing, Split: q.Split, BigTodo: q.BigTodo, oldest: s.Oldest,
	}
	if s.Sized {
		v.Bytes = &s.Bytes
	}
	for _, st := range allStates {
		v.ByState[st.String()] = s.ByState[st]
	}
	if !s.Oldest.IsZero() {
		o, id, age := s.Oldest.UTC().Format(time.RFC3339), s.OldestID, int64(now.Sub(s.Oldest)/time.Second)
		v.Oldest, v.OldestID, v.OldestAgeSecs = &o, &id, &age
	}
	return v
}

// StatRow is one figure of `qq stat`: its key (as in plain output), its
// label for people, its value (as in plain output) and the value for
// people.
type StatRow struct {
	Key, Label string
	Value      any
	Human      string
}

// Rows lists the figures of v in qq stat's order, ages counted from now.
func (v Stat) Rows(now time.Time) []StatRow {
	writing := v.ByState["writing"] + v.ByState["mess-only"]
	rows := []StatRow{
		{"messages", "messages", v.Messages, fmt.Sprint(v.Messages)},
		{"preprocessed", "preprocessed (S5)", v.Preprocessed, fmt.Sprint(v.Preprocessed)},
		{"not_preprocessed", "not yet preprocessed (todo, S4)", v.NotPreprocessed, fmt.Sprint(v.NotPreprocessed)},
		{"writing", "being written or orphaned (S2/S3)", writing, fmt.Sprint(writing)},
		{"broken", "broken (info without mess)", v.ByState["broken"], fmt.Sprint(v.ByState["broken"])},
		{"local_pending", "with local recipients pending", v.LocalPending, fmt.Sprint(v.LocalPending)},
		{"remote_pending", "with remote recipients pending", v.RemotePending, fmt.Sprint(v.RemotePending)},
		{"bouncing", "bouncing", v.Bouncing, fmt.Sprint(v.Bouncing)},
	}
	if v.Bytes != nil {
		rows = append(rows, StatRow{"bytes", "bytes", *v.Bytes, qmailqueue.FormatSize(*v.Bytes)})
	}
	if v.Oldest != nil {
		rows = append(rows,
			StatRow{"oldest", "oldest", *v.Oldest, fmt.Sprintf("%s (%s ago)", v.oldest.UTC().Format("2006-01-02 15:04:05 MST"), qmailqueue.FormatAge(now.Sub(v.oldest)))},
			StatRow{"oldest_id", "oldest message", *v.OldestID, fmt.Sprintf("#%d", *v.OldestID)})
	}
	return rows
}
