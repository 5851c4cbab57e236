package qmailqueue

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlanSummary: the summary lists the states with messages in report
// order, the most frequent senders and subjects with the rest counted as
// others, and the first IDs with whether there are more.
func TestPlanSummary(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		f.addSpam(t)
	}
	f.add(t, other)
	plan, err := f.q.PlanChange(context.Background(), OpRemove, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := plan.Summary(1)
	if len(s.States) != 1 || s.States[0] != (StateCount{StatePreprocessed, 4}) {
		t.Errorf("states %+v", s.States)
	}
	if len(s.Senders.Top) != 1 || s.Senders.Top[0] != (Counted{"<" + spam.Sender + ">", 3}) || s.Senders.Others != 1 {
		t.Errorf("senders %+v", s.Senders)
	}
	if len(s.Subjects.Top) != 1 || s.Subjects.Top[0].Value != "Free Pupil Enlargement" || s.Subjects.Others != 1 {
		t.Errorf("subjects %+v", s.Subjects)
	}
	if !slices.Equal(s.IDs, []uint64{plan.Items[0].Target.ID}) || !s.More {
		t.Errorf("IDs %v, more %v", s.IDs, s.More)
	}
	if all := plan.Summary(10); len(all.IDs) != 4 || all.More || all.Senders.Others != 0 {
		t.Errorf("sample 10: %+v", all)
	}
	if none := plan.Summary(0); len(none.IDs) != 0 || len(none.Senders.Top) != 0 {
		t.Errorf("sample 0: %+v", none)
	}
	if !slices.Equal(States[:2], []State{StatePreprocessed, StateQueued}) || len(States) != 5 {
		t.Errorf("States %v", States)
	}
}

// TestPlanSummaryLines: the summary in words, a line each: the states with
// their codes, the senders and subjects with right-aligned counts and the
// others, each value cleaned by its function, and the sampled IDs.
func TestPlanSummaryLines(t *testing.T) {
	f := newFixture(t)
	for range 10 {
		f.addSpam(t)
	}
	f.add(t, other)
	plan, err := f.q.PlanChange(context.Background(), OpRemove, nil)
	if err != nil {
		t.Fatal(err)
	}
	upper := func(s string) string { return strings.ToUpper(s) }
	got := plan.SummaryLines(1, upper, strings.ToLower)
	want := []string{
		"  states:    11 queued (S5)",
		"  senders:   10  <PROMO@CHEAP-MEDS.EXAMPLE>",
		"              1  (others)",
		"  subjects:  10  free pupil enlargement",
		"              1  (others)",
		fmt.Sprintf("  IDs:       %d … (1 of 11)", plan.Items[0].Target.ID),
	}
	if !slices.Equal(got, want) {
		t.Errorf("lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := plan.SummaryLines(0, upper, upper); len(got) != 1 {
		t.Errorf("sample 0: %q", got)
	}
}

// TestChangeReport: a report lists every planned message as planned; once
// the change ran it holds the counts, each message's outcome and the
// quarantine run that keeps the removed messages.
func TestChangeReport(t *testing.T) {
	f := newFixture(t)
	f.addSpam(t)
	f.addSpam(t)
	ctx := context.Background()
	plan, err := f.q.PlanChange(ctx, OpRemove, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Report("rm", false)
	if r.Command != "rm" || r.Selected != 2 || r.SelectedBytes != plan.Bytes || len(r.Messages) != 2 ||
		r.Messages[0].Outcome != "planned" || r.Messages[0].Sender != spam.Sender || r.Messages[0].Subject != "Free Pupil Enlargement" {
		t.Fatalf("report %+v", r)
	}
	qdir := filepath.Join(t.TempDir(), "quarantine")
	res, err := plan.Apply(ctx, f.q, ApplyOptions{QuarantineDir: qdir, Cycle: runCycle})
	if err != nil {
		t.Fatal(err)
	}
	r.Record(res)
	if r.Done != 2 || r.DoneBytes != plan.Bytes || r.Quarantine == nil || filepath.Dir(*r.Quarantine) != qdir {
		t.Errorf("recorded %+v", r)
	}
	for _, m := range r.Messages {
		if m.Outcome != "done" {
			t.Errorf("message %+v", m)
		}
	}
	if res.Reached() != 2 {
		t.Errorf("reached %d", res.Reached())
	}
}

// runCycle is a stop → change → restart cycle with nothing to stop.
func runCycle(ctx context.Context, change func(context.Context) error) error { return change(ctx) }

// TestApplyQuarantineDir: Apply opens the quarantine directory it is given
// before the cycle; a busy one stops nothing and touches nothing. Finished
// is called inside the cycle, after the last message.
func TestApplyQuarantineDir(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	ctx := context.Background()
	plan, err := f.q.PlanChange(ctx, OpRemove, nil)
	if err != nil {
		t.Fatal(err)
	}
	qdir := filepath.Join(t.TempDir(), "quarantine")
	z, err := OpenQuarantine(qdir)
	if err != nil {
		t.Fatal(err)
	}
	cycled := false
	res, err := plan.Apply(ctx, f.q, ApplyOptions{QuarantineDir: qdir, Cycle: func(ctx context.Context, change func(context.Context) error) error {
		cycled = true
		return change(ctx)
	}})
	if !errors.Is(err, ErrQuarantineBusy) || cycled || res.Started || !f.intact(id) {
		t.Errorf("busy quarantine: %+v, %v, cycle ran %v", res, err, cycled)
	}
	z.Close()
	inCycle, finished := false, false
	res, err = plan.Apply(ctx, f.q, ApplyOptions{QuarantineDir: qdir,
		Cycle: func(ctx context.Context, change func(context.Context) error) error {
			inCycle = true
			defer func() { inCycle = false }()
			return change(ctx)
		},
		Finished: func() { finished = inCycle },
	})
	if err != nil || res.Done != 1 || res.QuarantineRun == "" || !finished {
		t.Errorf("removed: %+v, %v, finished in the cycle: %v", res, err, finished)
	}
	entries, _, err := LoadQuarantine(qdir)
	if err != nil || len(entries) != 1 || entries[0].ID != id {
		t.Errorf("quarantine holds %+v, %v", entries, err)
	}
}

// TestChangeResultWords: the summary line counts what was done and, by
// outcome, what was left alone; the warnings name each message left
// alone, up to a limit, and count the rest; an interrupted change says
// how far it got.
func TestChangeResultWords(t *testing.T) {
	p := &Plan{Op: OpRemove, Items: make([]PlanItem, 4)}
	for i := range p.Items {
		p.Items[i].Target.ID = uint64(100 + i)
	}
	res := &ChangeResult{Stats: Stats{Done: 1, Changed: 1, Refused: 1, Failed: 1, Bytes: 12 << 10}, Outcomes: []ItemOutcome{
		{Outcome: Done},
		{Outcome: Changed, Reason: "changed since the plan"},
		{Outcome: Refused, Reason: "in intd"},
		{Outcome: Failed, Reason: "cannot unlink", Err: errors.New("EIO")},
	}}
	if got, want := res.Summary(p), "removed 1 of 4 messages (12.0 KiB); 1 changed since the plan, 1 refused, 1 failed"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	lines, more := res.Warnings(p, 2)
	if want := []string{"101 not removed: changed since the plan", "102 not removed: in intd"}; !slices.Equal(lines, want) || more != 1 {
		t.Errorf("warnings %q, %d more", lines, more)
	}
	if lines, more := res.Warnings(p, 10); len(lines) != 3 || lines[2] != "103 not removed: cannot unlink: EIO" || more != 0 {
		t.Errorf("all warnings %q, %d more", lines, more)
	}
	if got, want := res.Interrupted(p, "services restored"), "interrupted after 4 of 4 messages; services restored; the rest untouched"; got != want {
		t.Errorf("interrupted %q, want %q", got, want)
	}
	if err := res.Err(p); err == nil || err.Error() != "1 messages could not be removed" {
		t.Errorf("err %v", err)
	}
	done := &ChangeResult{Stats: Stats{Done: 2, Bytes: 512}}
	if err := done.Err(p); err != nil {
		t.Errorf("err %v, want nil", err)
	}
	if got, want := done.Summary(&Plan{Op: OpExpire, Items: make([]PlanItem, 2)}), "expired 2 of 2 messages (512 B)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	done.QuarantineRun = "/var/qmail/qq-quarantine/20260102T030405Z"
	if got, want := done.Summary(&Plan{Op: OpRemove, Items: make([]PlanItem, 3)}), "removed 2 of 3 messages (512 B); kept in "+done.QuarantineRun; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got := done.Interrupted(p, ""); got != "interrupted after 2 of 4 messages; the rest untouched" {
		t.Errorf("interrupted %q", got)
	}
}

// TestChangeOpWords: the words of each op, past, present and infinitive.
func TestChangeOpWords(t *testing.T) {
	for _, tc := range []struct {
		op                   ChangeOp
		done, verb, progress string
	}{
		{OpRemove, "removed", "remove", "removing"},
		{OpExpire, "expired", "expire", "expiring"},
		{0, "changed", "change", "changing"},
	} {
		if tc.op.String() != tc.done || tc.op.Verb() != tc.verb || tc.op.Gerund() != tc.progress {
			t.Errorf("%d: %q %q %q", tc.op, tc.op.String(), tc.op.Verb(), tc.op.Gerund())
		}
	}
}
