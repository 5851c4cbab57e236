package svc

import (
	"errors"
	"fmt"
)

// ErrNoAlarm means that qmail-send runs, but no running supervisor of it
// was found to send ALRM through.
var ErrNoAlarm = errors.New("qmail-send runs, but no supervised qmail-send service was found to send ALRM to")

// Alarm sends qmail-send ALRM through its service s (nil when none was
// found) as [AlarmQmailSend] does, so that it retries every message now
// (docs/queue.md §6.1), and returns a note for a summary line: "sent ALRM
// to DIR", or, when qmail-send is not running (running false, which is
// not an error: nobody needs alarming), "qmail-send is not running:
// nothing alarmed". When qmail-send runs but s is not up under a running
// supervisor, the error wraps [ErrNoAlarm] and says what to do.
func Alarm(s *Service, sendMutex string) (note string, running bool, err error) {
	sent, running, err := AlarmQmailSend(s, sendMutex)
	switch {
	case err != nil:
		return "", false, err
	case sent:
		return "sent ALRM to " + s.Dir, true, nil
	case !running:
		return "qmail-send is not running: nothing alarmed", false, nil
	}
	where := "give --service DIR"
	if s != nil {
		where = s.Dir + " is not up under a running supervisor"
	}
	return "", true, fmt.Errorf("%w (%s); send it yourself, e.g. svc -a /service/qmail-send", ErrNoAlarm, where)
}
