package svc

import (
	"io"
	"strings"
	"time"
)

// Report is a service and what a look at it found ([Service.ProbeDir]).
type Report struct {
	Service *Service
	Probe
}

// ProbeAll looks at every service ([Service.ProbeDir]) and returns one
// report for each, in order, and the errors met, in the same order.
func ProbeAll(services []*Service) ([]Report, []error) {
	reports := make([]Report, len(services))
	var errs []error
	for i, s := range services {
		reports[i] = Report{Service: s, Probe: s.ProbeDir()}
		if reports[i].Err != nil {
			errs = append(errs, reports[i].Err)
		}
	}
	return reports, errs
}

// StatusView is the JSON form of one service's state (qq svc status
// --format json, one object a line). Add fields, never rename or remove
// them.
type StatusView struct {
	Service      string `json:"service"`
	SuperviseDir string `json:"supervise_dir"`
	State        string `json:"state"` // up, down, stopping, unsupervised, error
	Supervised   bool   `json:"supervised"`
	Pid          int    `json:"pid"`
	Since        string `json:"since,omitempty"` // RFC 3339, UTC
	Seconds      int64  `json:"seconds"`
	Want         string `json:"want,omitempty"` // up, down, once
	NormallyUp   bool   `json:"normally_up"`
	Paused       bool   `json:"paused"`
	Supervisor   string `json:"supervisor,omitempty"` // daemontools, daemontools-encore, runit, s6
	Detail       string `json:"detail,omitempty"`     // the supervisor's own state word (encore, runit)
	Error        string `json:"error,omitempty"`
}

// View returns the report's [StatusView], its seconds counted to now.
func (r Report) View(now time.Time) StatusView {
	v := StatusView{
		Service:      r.Service.Dir,
		SuperviseDir: r.Service.Supervise(),
		State:        r.State(),
		Supervised:   r.Supervised,
	}
	if r.Err != nil {
		v.Error = r.Err.Error()
		return v
	}
	if !r.Supervised {
		return v
	}
	st := r.Status
	v.Pid, v.Paused, v.NormallyUp = st.Pid, st.Paused, st.NormallyUp
	v.Since = st.Since.UTC().Format(time.RFC3339)
	v.Seconds = r.Seconds(now)
	v.Want = st.Want.String()
	v.Supervisor = string(st.Flavor)
	v.Detail = st.State
	return v
}

// Normally is what the service does when its supervisor starts: "up",
// "down", or "-" when that cannot be told (not supervised, or an error).
func (v StatusView) Normally() string {
	switch {
	case !v.Supervised || v.Error != "":
		return "-"
	case v.NormallyUp:
		return "up"
	}
	return "down"
}

// WriteSvstat writes daemontools' svstat lines for the services ([Svstat]),
// one a line, in one write, as svstat prints them.
func WriteSvstat(w io.Writer, services []*Service, now time.Time) error {
	var b strings.Builder
	for _, s := range services {
		b.WriteString(Svstat(s, now))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
