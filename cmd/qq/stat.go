package main

import (
	"context"
	"fmt"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

type statOptions struct {
	filter filterFlags
	full   bool
	args   []string
	watch  watchFlags
}

func newStatCmd(a *app) *cobra.Command {
	opts := &statOptions{}
	cmd := &cobra.Command{
		Use:     "stat [filters]",
		GroupID: groupQueue,
		Short:   "summarize the queue: messages, states, pending channels, bytes, oldest",
		Long:    longHelp("stat"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			if opts.watch.on {
				return opts.watch.run(cmd.Context(), a, "qq stat", func(a *app) error { return runStat(cmd.Context(), a, opts) })
			}
			return runStat(cmd.Context(), a, opts)
		},
	}
	opts.filter.addFlags(cmd.Flags())
	opts.watch.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&opts.full, "full", false, "also report bytes and the oldest message (a stat per file)")
	return cmd
}

// statJSON is the JSON schema of qq stat.
type statJSON struct {
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
}

var allStates = []qmailqueue.State{qmailqueue.StatePreprocessed, qmailqueue.StateQueued, qmailqueue.StateWriting, qmailqueue.StateMessOnly, qmailqueue.StateBroken}

func runStat(ctx context.Context, a *app, opts *statOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON, "qstat")
	if err != nil {
		return err
	}
	now := a.now()
	filter, err := opts.filter.build(now, nil, a.stdin)
	if err != nil {
		return err
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	if format == "qstat" {
		if !filter.IsZero() {
			return usageErrorf("--format qstat counts files as qmail-qstat does; it takes no filters")
		}
		mess, todo, err := q.QstatCounts(ctx)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "messages in queue: %d\nmessages in queue but not yet preprocessed: %d\n", mess, todo)
		return err
	}
	s, err := q.Summarize(ctx, filter, opts.full)
	if err != nil {
		return err
	}
	opts.watch.messages = s.Messages
	v := statJSON{
		Messages: s.Messages, Preprocessed: s.ByState[qmailqueue.StatePreprocessed], NotPreprocessed: s.ByState[qmailqueue.StateQueued],
		ByState: map[string]int{}, LocalPending: s.LocalPending, RemotePending: s.RemotePending,
		Bouncing: s.Bouncing, Split: q.Split, BigTodo: q.BigTodo,
	}
	if s.Sized {
		v.Bytes = &s.Bytes
	}
	for _, st := range allStates {
		v.ByState[st.String()] = s.ByState[st]
	}
	if !s.Oldest.IsZero() {
		o, id, age := rfc3339(s.Oldest), s.OldestID, int64(now.Sub(s.Oldest)/time.Second)
		v.Oldest, v.OldestID, v.OldestAgeSecs = &o, &id, &age
	}
	switch format {
	case formatJSON:
		err = writeJSON(a.stdout, v)
	case formatPlain:
		for _, kv := range statRows(v, s, now) {
			if _, err = fmt.Fprintf(a.stdout, "%s %v\n", kv.key, kv.plain); err != nil {
				break
			}
		}
	default:
		t := a.newTable(a.stdout, col{Name: "", Min: 10}, col{Name: "", Right: true})
		t.NoHeader = true
		for _, kv := range statRows(v, s, now) {
			value := cell{Text: kv.human}
			switch {
			case kv.plain == 0:
			case kv.key == "broken":
				value = a.paint(kv.human, colorBad)
			case kv.key == "bouncing" || kv.key == "writing":
				value = a.paint(kv.human, colorWarn)
			case kv.key == "oldest":
				value = a.ageCell(now.Sub(s.Oldest), q.Lifetime)
				value.Text = kv.human
			}
			t.row(kv.label, value)
		}
		err = t.render()
	}
	if err == nil && s.Vanished > 0 {
		a.warnf("%d messages left the queue while it was read", s.Vanished)
	}
	if err == nil && s.Messages == 0 && !filter.IsZero() {
		return errNothingMatched
	}
	return err
}

type statRow struct {
	key, label string
	plain      any
	human      string
}

func statRows(v statJSON, s qmailqueue.Summary, now time.Time) []statRow {
	rows := []statRow{
		{"messages", "messages", v.Messages, fmt.Sprint(v.Messages)},
		{"preprocessed", "preprocessed (S5)", v.Preprocessed, fmt.Sprint(v.Preprocessed)},
		{"not_preprocessed", "not yet preprocessed (todo, S4)", v.NotPreprocessed, fmt.Sprint(v.NotPreprocessed)},
		{"writing", "being written or orphaned (S2/S3)", v.ByState["writing"] + v.ByState["mess-only"], fmt.Sprint(v.ByState["writing"] + v.ByState["mess-only"])},
		{"broken", "broken (info without mess)", v.ByState["broken"], fmt.Sprint(v.ByState["broken"])},
		{"local_pending", "with local recipients pending", v.LocalPending, fmt.Sprint(v.LocalPending)},
		{"remote_pending", "with remote recipients pending", v.RemotePending, fmt.Sprint(v.RemotePending)},
		{"bouncing", "bouncing", v.Bouncing, fmt.Sprint(v.Bouncing)},
	}
	if v.Bytes != nil {
		rows = append(rows, statRow{"bytes", "bytes", *v.Bytes, humanBytes(*v.Bytes)})
	}
	if v.Oldest != nil {
		rows = append(rows,
			statRow{"oldest", "oldest", *v.Oldest, fmt.Sprintf("%s (%s ago)", s.Oldest.UTC().Format("2006-01-02 15:04:05 MST"), humanAge(now.Sub(s.Oldest)))},
			statRow{"oldest_id", "oldest message", *v.OldestID, fmt.Sprintf("#%d", *v.OldestID)})
	}
	return rows
}
