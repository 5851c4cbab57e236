package queuetest_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// A preprocessed message with one delivered and one pending remote
// recipient, as qmail-send leaves it after a clean stop.
func ExampleBuilder_Add() {
	dir, err := os.MkdirTemp("", "queuetest")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	b, err := queuetest.New(filepath.Join(dir, "queue"), queuetest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	birth := time.Date(2026, 11, 22, 9, 0, 12, 0, time.UTC)
	id, err := b.Add(queuetest.Message{
		Sender: "sender@remote.test",
		Recipients: []queuetest.Recipient{
			{Addr: "good@remote.test", Remote: true, Done: true},
			{Addr: "defer1@remote.test", Remote: true},
		},
		Header: "Subject: hello\n",
		Body:   []byte("Hi.\n"),
		Birth:  birth,
		PID:    18709,
		UID:    65534,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, kind := range []string{"mess", "info", "remote"} {
		content, err := os.ReadFile(b.Path(kind, id))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %q\n", kind, content)
	}
	fi, err := os.Stat(b.Path("remote", id))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("next retry:", fi.ModTime().Sub(birth))
	// Output:
	// mess: "Received: (qmail 18709 invoked by uid 65534); 22 Nov 2026 09:00:12 -0000\nSubject: hello\n\nHi.\n"
	// info: "Fsender@remote.test\x00"
	// remote: "Dgood@remote.test\x00Tdefer1@remote.test\x00"
	// next retry: 6m40s
}
