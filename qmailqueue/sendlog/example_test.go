package sendlog_test

import (
	"context"
	"fmt"
	"time"

	"github.com/qqmail/qq/qmailqueue/sendlog"
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
