package svc

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// SendState is what supervise says about qmail-send, for the commands that
// report whether it runs (qq check, qq metrics).
type SendState struct {
	// Checked is false when no service was looked at: none was found in
	// the places looked in, or the caller chose not to look.
	Checked bool
	// Dir is the service directory; NotFound explains an unchecked one.
	Dir      string
	NotFound string
	// Supervised is true when the supervisor runs (svok).
	Supervised bool
	// Status is supervise/status; valid when Err is nil and Supervised.
	Status Status
	// Err is why the state could not be read.
	Err error
}

// QmailSendState finds qmail-send's service and reads its state, the way
// svok and svstat do: no lock is taken, nothing is written. arg is the
// service as the user gave it (a directory, a name, DIR=SUPERVISEDIR); ""
// looks for it in the usual places ([Finder.QmailSend]), and finding none
// is not an error but an unchecked state saying where it looked.
func (f *Finder) QmailSendState(arg string) SendState {
	var s *Service
	if arg != "" {
		var err error
		if s, err = f.Service(arg); err != nil {
			return SendState{Checked: true, Dir: arg, Err: err}
		}
		if fi, err := os.Stat(s.Dir); err != nil || !fi.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			return SendState{Checked: true, Dir: s.Dir, Err: fmt.Errorf("service %s: %w", s.Dir, err)}
		}
	} else if s = f.QmailSend(); s == nil {
		return SendState{NotFound: fmt.Sprintf("no %s service in %s",
			strings.Join(QmailSendNames(), " or "), strings.Join(f.SearchDirs(), ", "))}
	}
	p := s.Probe()
	return SendState{Checked: true, Dir: s.Dir, Supervised: p.Supervised, Status: p.Status, Err: p.Err}
}

// Up reports whether qmail-send runs under a running supervisor.
func (s SendState) Up() bool { return s.Checked && s.Err == nil && s.Supervised && s.Status.Up }

// Describe sums the state up for a status line: "up 3d04h", "down 5m,
// normally up", "up 2h00m, paused", "supervise not running". age writes
// how long the service has been in its state, counted to now.
func (s SendState) Describe(now time.Time, age func(time.Duration) string) string {
	switch {
	case !s.Checked:
		return "not checked"
	case s.Err != nil:
		return "unknown (" + s.Err.Error() + ")"
	case !s.Supervised:
		return "supervise not running"
	}
	st := s.Status
	var b strings.Builder
	if st.Up {
		b.WriteString("up ")
	} else {
		b.WriteString("down ")
	}
	b.WriteString(age(now.Sub(st.Since)))
	if st.Paused {
		b.WriteString(", paused")
	}
	switch {
	case st.Up && !st.NormallyUp:
		b.WriteString(", normally down")
	case !st.Up && st.NormallyUp:
		b.WriteString(", normally up")
	}
	if st.Up && st.Want == WantDown {
		b.WriteString(", want down")
	}
	if !st.Up && st.Want == WantUp {
		b.WriteString(", want up")
	}
	return b.String()
}
