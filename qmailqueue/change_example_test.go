package qmailqueue_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// Example_changeEngine shows how a caller other than the command line (the
// interactive browser, say) removes messages through the change engine:
// plan, present, confirm, apply with progress and cancellation, report.
func Example_changeEngine() {
	tmp, _ := os.MkdirTemp("", "qq-example-")
	defer os.RemoveAll(tmp)
	b, _ := queuetest.New(filepath.Join(tmp, "queue"), queuetest.Options{Split: 7})
	defer b.Close()
	for i := range 3 {
		b.Add(queuetest.Message{
			Sender:     "promo@cheap-meds.example",
			Recipients: []queuetest.Recipient{{Addr: fmt.Sprintf("user%d@victim.example", i), Remote: true}},
			Header:     "Subject: Free Pupil Enlargement",
			Birth:      time.Now().Add(-time.Hour),
		})
	}
	b.Add(queuetest.Message{Sender: "alice@example.com", Recipients: []queuetest.Recipient{{Addr: "bob@example.org", Remote: true}}})
	q, _ := qmailqueue.Open(b.Dir())

	// 1. Plan: what the filter selects, with fingerprints.
	filter := qmailqueue.NewFilter()
	filter.SenderDomains = []string{"cheap-meds.example"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plan, err := q.PlanChange(ctx, qmailqueue.OpRemove, filter)
	if err != nil {
		fmt.Println(err)
		return
	}

	// 2. Present it and ask; the engine neither prints nor asks.
	fmt.Printf("%d messages from %d senders\n", len(plan.Items), plan.Senders.Distinct())
	for _, s := range plan.Subjects.Top(3) {
		fmt.Printf("  %d × %s\n", s.Count, s.Value)
	}

	// 3. Apply, in the stop → change → restart cycle. A real caller passes
	// (*svc.Maintenance).Run; this stand-in only runs the change.
	cycle := func(ctx context.Context, change func(context.Context) error) error { return change(ctx) }
	z, _ := qmailqueue.OpenQuarantine(filepath.Join(tmp, "qq-quarantine"))
	defer z.Close()
	done := 0
	res, err := plan.Apply(ctx, q, qmailqueue.ApplyOptions{
		Cycle:      cycle,
		Quarantine: z,
		Reason:     "example",
		// One call per planned message, as its outcome is known: a
		// progress bar. Calling cancel() stops the change after the batch
		// under way; the result then says what was done.
		Progress: func(r qmailqueue.Result) { done++ },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("progress calls: %d\n", done)
	fmt.Printf("removed %d of %d; kept in a run: %v\n", res.Done, len(plan.Items), res.QuarantineRun != "")
	// Each planned message has its outcome, at the same index.
	for _, o := range res.Outcomes {
		fmt.Println(" ", o.Outcome)
	}
	// Output:
	// 3 messages from 1 senders
	//   3 × Free Pupil Enlargement
	// progress calls: 3
	// removed 3 of 3; kept in a run: true
	//   done
	//   done
	//   done
}
