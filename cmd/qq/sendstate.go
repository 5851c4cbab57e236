package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/qqmail/qq/svc"
	"github.com/spf13/pflag"
)

// sendStateFlags say where qmail-send's supervised service is, for the
// commands that report whether it runs (check, metrics).
type sendStateFlags struct {
	service   string
	noService bool
}

func (sf *sendStateFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&sf.service, "service", "", "qmail-send's service `DIR` or name (default: the first of qmail-send, qmail in /service, /etc/service, /var/service)")
	fs.BoolVar(&sf.noService, "no-service", false, "do not look at qmail-send's supervisor")
}

// sendState is what supervise says about qmail-send.
type sendState struct {
	// Checked is false when no service was looked at: --no-service, or
	// none was found in the default places.
	Checked bool
	// Dir is the service directory; NotFound explains an unchecked one.
	Dir      string
	NotFound string
	// Supervised is true when the supervisor runs (svok).
	Supervised bool
	// Status is supervise/status; valid when Err is nil and Supervised.
	Status svc.Status
	// Err is why the state could not be read.
	Err error
}

// Up reports whether qmail-send runs under a running supervisor.
func (s sendState) Up() bool { return s.Checked && s.Err == nil && s.Supervised && s.Status.Up }

// Describe sums the state up for a status line: "up 3d04h", "down 5m,
// normally up", "paused", "supervise not running".
func (s sendState) Describe(now time.Time) string {
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
	b.WriteString(humanAge(now.Sub(st.Since)))
	if st.Paused {
		b.WriteString(", paused")
	}
	switch {
	case st.Up && !st.NormallyUp:
		b.WriteString(", normally down")
	case !st.Up && st.NormallyUp:
		b.WriteString(", normally up")
	}
	if st.Up && st.Want == svc.WantDown {
		b.WriteString(", want down")
	}
	if !st.Up && st.Want == svc.WantUp {
		b.WriteString(", want up")
	}
	return b.String()
}

// read finds qmail-send's service and reads its state, the way svok and
// svstat do: no lock is taken, nothing is written.
func (sf *sendStateFlags) read(a *app) sendState {
	if sf.noService {
		return sendState{NotFound: "--no-service"}
	}
	finder := a.finder()
	var s *svc.Service
	if sf.service != "" {
		var err error
		if s, err = a.service(sf.service); err != nil {
			return sendState{Checked: true, Dir: sf.service, Err: err}
		}
		if fi, err := os.Stat(s.Dir); err != nil || !fi.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			return sendState{Checked: true, Dir: s.Dir, Err: fmt.Errorf("service %s: %w", s.Dir, err)}
		}
	} else if s = finder.QmailSend(); s == nil {
		return sendState{NotFound: fmt.Sprintf("no %s service in %s (use --service DIR or --no-service)",
			strings.Join(svc.QmailSendNames(), " or "), strings.Join(finder.SearchDirs(), ", "))}
	}
	p := s.Probe()
	return sendState{Checked: true, Dir: s.Dir, Supervised: p.Supervised, Status: p.Status, Err: p.Err}
}
