package report_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/qqmail/qq/qmailqueue/report"
)

func ExampleGrouper() {
	dir, err := os.MkdirTemp("", "report-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	b, err := queuetest.New(filepath.Join(dir, "queue"), queuetest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	for _, sender := range []string{"promo@cheap-meds.example", "Promo@Cheap-Meds.example", "alice@example.com"} {
		rcpt := []queuetest.Recipient{{Addr: "victim@example.net", Remote: true}}
		if _, err := b.Add(queuetest.Message{Sender: sender, Recipients: rcpt}); err != nil {
			log.Fatal(err)
		}
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		log.Fatal(err)
	}
	g := report.NewGrouper(report.KeySenderDomain, 0)
	_, err = q.Scan(context.Background(), qmailqueue.ScanOptions{Fields: g.Fields()}, func(m *qmailqueue.Message) error {
		g.Add(m)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, grp := range g.Groups(report.ByCount, 0) {
		fmt.Println(grp.Name, grp.Messages, grp.Recipients)
	}
	// Output:
	// cheap-meds.example 2 2
	// example.com 1 1
}
