package sendlog_test

import (
	"context"
	"fmt"
	"time"

	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/tai64n"
)

func ExampleParse() {
	e := sendlog.Parse([]byte("@4000000037c219bf2ef02e94 delivery 17: deferral: Connected_to_192.0.2.7_but_greeting_failed./"))
	fmt.Println(e.Kind, e.Delivery, e.Outcome, e.Text)
	// Output:
	// delivery 17 deferral Connected_to_192.0.2.7_but_greeting_failed./
}

// Why is message 2000 still in the queue? Its info file's mtime is its
// birth; the last attempt for each recipient says.
func ExampleLookup() {
	log, err := sendlog.OpenDir("../../testdata/log/qmail-send")
	if err != nil {
		fmt.Println(err)
		return
	}
	birth := time.Date(2024, 6, 1, 9, 0, 25, 0, time.UTC)
	h, err := sendlog.Lookup(context.Background(), log, nil, 2000, birth)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range h.LastAttempts() {
		fmt.Println(d.Recipient, d.Outcome, d.Finished.Time().Format(time.TimeOnly), d.Text)
	}
	// Output:
	// dave@slow.example deferral 09:44:58 198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_<dave@slow.example>:_Recipient_address_rejected:_Greylisted/
	// erin@example.net success 09:00:27 192.0.2.25_accepted_message./Remote_host_said:_250_ok_1717232401_qp_777/
}

// The deferred attempts of one message, as qq log --id 2000 --outcome
// deferral prints them: each starting delivery line with its result.
func ExampleSelect() {
	log, err := sendlog.OpenDir("../../testdata/log/qmail-send")
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := sendlog.ParseSelection(sendlog.SelectionArgs{IDs: []string{"2000"}, Outcomes: []string{"deferral"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	stamp := tai64n.LocalFormatter(time.UTC)
	_, err = sendlog.Select(context.Background(), log, sendlog.SelectOptions{
		Selection: f,
		Emit: func(e *sendlog.Event, raw []byte, d *sendlog.Delivery) error {
			fmt.Printf("%s\n", sendlog.AppendReadable(nil, e, raw, stamp))
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 2024-06-01 09:00:25.130850500 starting delivery 4: msg 2000 to remote dave@slow.example
	// 2024-06-01 09:00:57.138254500 delivery 4: deferral: 198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_<dave@slow.example>:_Recipient_address_rejected:_Greylisted/
	// 2024-06-01 09:07:29.145658500 starting delivery 7: msg 2000 to remote dave@slow.example
	// 2024-06-01 09:07:37.148126500 delivery 7: deferral: 198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_<dave@slow.example>:_Recipient_address_rejected:_Greylisted/
	// 2024-06-01 09:23:51.204890500 starting delivery 3: msg 2000 to remote dave@slow.example
	// 2024-06-01 09:24:21.207358500 delivery 3: deferral: 198.51.100.7_failed_after_I_sent_the_message./Remote_host_said:_451_4.3.0_Temporary_lookup_failure/
	// 2024-06-01 09:44:28.214762500 starting delivery 1: msg 2000 to remote dave@slow.example
	// 2024-06-01 09:44:58.217230500 delivery 1: deferral: 198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_<dave@slow.example>:_Recipient_address_rejected:_Greylisted/
}
