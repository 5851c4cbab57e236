// Package nagios evaluates the thresholds of a monitoring plugin the way
// Nagios, Icinga, Naemon and Sensu expect: a warning and a critical limit on
// each figure, the plugin states OK, WARNING, CRITICAL and UNKNOWN (which
// are also the plugin's exit codes), the worst finding deciding the state,
// and the ";warn;crit" part of performance data.
//
// It knows nothing about queues: qq check measures, this package judges,
// and the command prints the status line.
package nagios

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// State is a plugin state; its value is the plugin's exit code.
type State int

// The plugin states, in exit-code order.
const (
	OK       State = 0
	Warning  State = 1
	Critical State = 2
	Unknown  State = 3
)

// String returns the state's name as a status line shows it: "OK",
// "WARNING", "CRITICAL" or "UNKNOWN".
func (s State) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// severity orders the states by how bad they are: a CRITICAL beats a
// WARNING, which beats an UNKNOWN, which beats OK.
func (s State) severity() int {
	switch s {
	case OK:
		return 0
	case Warning:
		return 2
	case Critical:
		return 3
	}
	return 1
}

// Threshold is a warning and a critical limit on one figure. A limit is
// exceeded when the value is above it; an unset limit never is.
type Threshold struct {
	Warn, Crit       float64
	HasWarn, HasCrit bool
}

// IsSet reports whether either limit is set.
func (t Threshold) IsSet() bool { return t.HasWarn || t.HasCrit }

// Lowest is the lower of the set limits: the warning limit if set, else the
// critical one (0 when neither is).
func (t Threshold) Lowest() float64 {
	if t.HasWarn {
		return t.Warn
	}
	return t.Crit
}

// State returns CRITICAL, WARNING or OK for the value v.
func (t Threshold) State(v float64) State {
	switch {
	case t.HasCrit && v > t.Crit:
		return Critical
	case t.HasWarn && v > t.Warn:
		return Warning
	}
	return OK
}

// Perf returns the ";warn;crit" part of a performance value, each limit
// empty when unset.
func (t Threshold) Perf() string {
	var b strings.Builder
	b.WriteByte(';')
	if t.HasWarn {
		b.WriteString(strconv.FormatFloat(t.Warn, 'f', -1, 64))
	}
	b.WriteByte(';')
	if t.HasCrit {
		b.WriteString(strconv.FormatFloat(t.Crit, 'f', -1, 64))
	}
	return b.String()
}

// Limit describes the limit a value in state s exceeds, for the status
// line: "critical above 100" or "warning above 50", the limit written by
// format.
func (t Threshold) Limit(s State, format func(float64) string) string {
	if s == Critical {
		return "critical above " + format(t.Crit)
	}
	return "warning above " + format(t.Warn)
}

// ErrInverted means that the warning limit is above the critical one.
var ErrInverted = errors.New("warning limit above critical limit")

// LimitError is a limit that could not be read.
type LimitError struct {
	// Critical tells which limit: the critical one, or the warning one.
	Critical bool
	Err      error
}

func (e *LimitError) Error() string { return e.Err.Error() }
func (e *LimitError) Unwrap() error { return e.Err }

// ParseThreshold reads a warning and a critical limit, each "" when not
// given, with parse. A limit parse rejects gives a *LimitError; a warning
// limit above the critical one gives [ErrInverted].
func ParseThreshold(warn, crit string, parse func(string) (float64, error)) (Threshold, error) {
	var t Threshold
	var err error
	if warn != "" {
		if t.Warn, err = parse(warn); err != nil {
			return t, &LimitError{Err: err}
		}
		t.HasWarn = true
	}
	if crit != "" {
		if t.Crit, err = parse(crit); err != nil {
			return t, &LimitError{Critical: true, Err: err}
		}
		t.HasCrit = true
	}
	if t.HasWarn && t.HasCrit && t.Warn > t.Crit {
		return t, ErrInverted
	}
	return t, nil
}

// ParseCount reads a limit on a count: a non-negative whole number.
func ParseCount(s string) (float64, error) {
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, errors.New("want a number of messages, not " + strconv.Quote(s))
	}
	return float64(n), nil
}

// Finding is one figure out of bounds: its state and what the status line
// says about it.
type Finding struct {
	State State
	Text  string
}

// Findings collects what a check found out of bounds.
type Findings []Finding

// Add records text under state s; an OK state is not a finding and is
// dropped.
func (f *Findings) Add(s State, text string) {
	if s != OK {
		*f = append(*f, Finding{s, text})
	}
}

// State is the plugin's state: the worst finding's, CRITICAL before
// WARNING before UNKNOWN, or OK when there is none.
func (f Findings) State() State {
	worst := OK
	for _, x := range f {
		if x.State.severity() > worst.severity() {
			worst = x.State
		}
	}
	return worst
}

// Texts returns the findings' texts, the critical ones first, then the
// warnings, then the unknowns, each group in the order found.
func (f Findings) Texts() []string {
	var out []string
	for _, want := range []State{Critical, Warning, Unknown} {
		for _, x := range f {
			if x.State == want {
				out = append(out, x.Text)
			}
		}
	}
	return out
}

// ParseThresholdFlags is [ParseThreshold] for limits given as the options
// warnName and critName (such as "--warn-age" and "--crit-age"): its errors
// name the option, as in "--warn-age: bad duration …" or "--warn 10 is
// above --crit 5".
func ParseThresholdFlags(warnName, warn, critName, crit string, parse func(string) (float64, error)) (Threshold, error) {
	t, err := ParseThreshold(warn, crit, parse)
	var le *LimitError
	switch {
	case errors.As(err, &le) && le.Critical:
		return t, fmt.Errorf("%s: %w", critName, le.Err)
	case errors.As(err, &le):
		return t, fmt.Errorf("%s: %w", warnName, le.Err)
	case errors.Is(err, ErrInverted):
		return t, fmt.Errorf("%s %s is above %s %s", warnName, warn, critName, crit)
	}
	return t, err
}

// Perf is one performance value of a status line:
// label=value[unit];warn;crit;min;max, the limits from Limits, empty
// fields at the end left out.
type Perf struct {
	Label  string
	Value  int64
	Unit   string // "", "s", "B", …
	Limits Threshold
	// Min and Max are the smallest and largest values possible, "" when
	// there is none.
	Min, Max string
}

// String returns the value as performance data shows it, such as
// "messages=6;10;20;0" or "bytes=420B;;;0".
func (p Perf) String() string {
	fields := strings.Split(p.Limits.Perf()[1:], ";")
	fields = append(fields, p.Min, p.Max)
	for len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	v := p.Label + "=" + strconv.FormatInt(p.Value, 10) + p.Unit
	if len(fields) == 0 {
		return v
	}
	return v + ";" + strings.Join(fields, ";")
}

// StatusLine returns a plugin's status line, without the newline:
// "NAME STATE - text, text | perf perf". state is the state's word as it
// is to be shown ([State.String], perhaps coloured for a terminal).
func StatusLine(name, state string, texts []string, perf []Perf) string {
	values := make([]string, len(perf))
	for i, p := range perf {
		values[i] = p.String()
	}
	return name + " " + state + " - " + strings.Join(texts, ", ") + " | " + strings.Join(values, " ")
}
