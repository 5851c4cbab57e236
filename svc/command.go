package svc

import (
	"context"
	"fmt"
	"time"
)

// Command is one of svc's control letters: what writing it to
// supervise/control asks the supervisor to do.
type Command struct {
	// Name is the command's word (up, down, hup, …) and Letter what is
	// written to supervise/control (u, d, h, …).
	Name, Letter string
	// Doc says in a line what the letter does, ending with the svc flag.
	Doc string
	// CanWait is true for the letters whose outcome [Service.WaitFor]
	// can wait for: u (up) and d (down).
	CanWait bool
}

// Commands are svc's control letters, in svc's order of documentation.
var Commands = []Command{
	{"up", "u", "start services and restart them when they exit (svc -u)", true},
	{"down", "d", "stop services: TERM then CONT, no restart (svc -d)", true},
	{"once", "o", "start services but do not restart them (svc -o)", false},
	{"pause", "p", "send STOP (svc -p)", false},
	{"cont", "c", "send CONT (svc -c)", false},
	{"hup", "h", "send HUP: qmail-send rereads locals and virtualdomains (svc -h)", false},
	{"alarm", "a", "send ALRM: qmail-send retries every queued message now (svc -a)", false},
	{"interrupt", "i", "send INT (svc -i)", false},
	{"term", "t", "send TERM; the supervisor restarts a service that wants up (svc -t)", false},
	{"kill", "k", "send KILL (svc -k)", false},
	{"exit", "x", "make the supervisor exit once the service is down (svc -x)", false},
}

// WaitFor waits, at most timeout, until the service is in the state the
// letter asks for: up for "u" ([Service.WaitUp]), down for "d"
// ([Service.WaitDown]). Other letters have no state to wait for: an
// error.
func (s *Service) WaitFor(ctx context.Context, letter string, timeout time.Duration) (Status, error) {
	switch letter {
	case "u":
		return s.WaitUp(ctx, timeout)
	case "d":
		return s.WaitDown(ctx, timeout)
	}
	return Status{}, fmt.Errorf("svc -%s: nothing to wait for", letter)
}

// ProbeDir is [Service.Probe] after [Service.CheckDir]: a service
// directory that does not exist (or is not a directory) is the probe's
// Err.
func (s *Service) ProbeDir() Probe {
	if err := s.CheckDir(); err != nil {
		return Probe{Err: err}
	}
	return s.Probe()
}

// Notes are the flags of a probed status worth a glance beside its state
// word: paused, got TERM, finishing, and the supervisor's own state word
// (daemontools-encore, runit) when it says more than [Probe.State].
func (p Probe) Notes() []string {
	var n []string
	st := p.Status
	if st.Paused {
		n = append(n, "paused")
	}
	if st.GotTerm {
		n = append(n, "got TERM")
	}
	if st.Finishing {
		n = append(n, "finishing")
	}
	if st.State != "" && st.State != p.State() {
		n = append(n, st.State)
	}
	return n
}

// Seconds is how long, in whole seconds at now, the probed service has
// been in its state (0 for a status from the future).
func (p Probe) Seconds(now time.Time) int64 {
	return max(int64(now.Sub(p.Status.Since)/time.Second), 0)
}

// Control sends letter to every service whose directory exists, as svc
// does, and with wait then waits, at most timeout each, until every service
// it was sent to is in the state the letter asks for ([Service.WaitFor]).
// It returns every error met, in order; a service that failed is skipped,
// not the others.
func Control(ctx context.Context, services []*Service, letter string, wait bool, timeout time.Duration) []error {
	var errs []error
	var sent []*Service
	for _, s := range services {
		if err := s.CheckDir(); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.Send(letter); err != nil {
			errs = append(errs, err)
			continue
		}
		sent = append(sent, s)
	}
	if wait {
		for _, s := range sent {
			if _, err := s.WaitFor(ctx, letter, timeout); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// WaitsUntil says, for the help of a command that [Command.CanWait], what
// its wait waits for, such as "its ./run runs and supervise wants it up".
func (c Command) WaitsUntil() string {
	if c.Letter == "d" {
		return "no process of it runs (pid 0) and supervise wants it down"
	}
	return "its ./run runs and supervise wants it up"
}
