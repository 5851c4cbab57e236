package svc_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/qqmail/qq/svc"
)

func ExampleParseStatus() {
	// 18 bytes as daemontools' supervise writes them: TAI64N stamp, pid
	// 22597 little-endian, not paused, want up.
	b := []byte{
		0x40, 0x00, 0x00, 0x00, 0x66, 0x5b, 0x0d, 0x4a, 0x00, 0x00, 0x00, 0x00,
		0x45, 0x58, 0x00, 0x00,
		0x00, 'u',
	}
	st, err := svc.ParseStatus(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Flavor, st.Pid, st.Up, st.Want, st.Since.UTC().Format(time.RFC3339))
	// Output: daemontools 22597 true up 2024-06-01T12:00:00Z
}

func ExampleMaintenance_Run() {
	m := &svc.Maintenance{
		Services:  []*svc.Service{svc.NewService("/service/qmail-send"), svc.NewService("/service/qmail-smtpd")},
		SendMutex: "/var/qmail/queue/lock/sendmutex",
		OwnLock:   "/var/qmail/.qq.lock",
		Progress:  func(s string) { fmt.Fprintln(os.Stderr, s) },
	}
	err := m.Run(context.Background(), func(ctx context.Context) error {
		// qmail-send is stopped and cannot start: change queue files here.
		return nil
	})
	if svc.IsTemporary(err) {
		fmt.Fprintln(os.Stderr, "try again later:", err)
	}
}
