package nagios

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

func TestThresholdState(t *testing.T) {
	both := Threshold{Warn: 10, Crit: 20, HasWarn: true, HasCrit: true}
	tests := []struct {
		name string
		t    Threshold
		v    float64
		want State
	}{
		{"below warn", both, 5, OK},
		{"at warn", both, 10, OK},
		{"above warn", both, 11, Warning},
		{"at crit", both, 20, Warning},
		{"above crit", both, 21, Critical},
		{"unset", Threshold{}, 1e9, OK},
		{"warn only", Threshold{Warn: 0, HasWarn: true}, 1, Warning},
		{"crit only", Threshold{Crit: 3, HasCrit: true}, 4, Critical},
		{"crit only below", Threshold{Crit: 3, HasCrit: true}, 3, OK},
		{"warn equals crit", Threshold{Warn: 5, Crit: 5, HasWarn: true, HasCrit: true}, 6, Critical},
	}
	for _, tt := range tests {
		if got := tt.t.State(tt.v); got != tt.want {
			t.Errorf("%s: State(%v) = %v, want %v", tt.name, tt.v, got, tt.want)
		}
	}
}

func TestThresholdPerfAndLimit(t *testing.T) {
	count := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	tests := []struct {
		t              Threshold
		perf           string
		warnText, crit string
		set            bool
		lowest         float64
	}{
		{Threshold{}, ";;", "warning above 0", "critical above 0", false, 0},
		{Threshold{Warn: 10, HasWarn: true}, ";10;", "warning above 10", "critical above 0", true, 10},
		{Threshold{Crit: 2.5, HasCrit: true}, ";;2.5", "warning above 0", "critical above 2.5", true, 2.5},
		{Threshold{Warn: 1, Crit: 2, HasWarn: true, HasCrit: true}, ";1;2", "warning above 1", "critical above 2", true, 1},
	}
	for _, tt := range tests {
		if got := tt.t.Perf(); got != tt.perf {
			t.Errorf("%+v: Perf() = %q, want %q", tt.t, got, tt.perf)
		}
		if got := tt.t.Limit(Warning, count); got != tt.warnText {
			t.Errorf("%+v: Limit(Warning) = %q, want %q", tt.t, got, tt.warnText)
		}
		if got := tt.t.Limit(Critical, count); got != tt.crit {
			t.Errorf("%+v: Limit(Critical) = %q, want %q", tt.t, got, tt.crit)
		}
		if tt.t.IsSet() != tt.set || tt.t.Lowest() != tt.lowest {
			t.Errorf("%+v: IsSet() = %v, Lowest() = %v; want %v, %v", tt.t, tt.t.IsSet(), tt.t.Lowest(), tt.set, tt.lowest)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		warn, crit string
		want       Threshold
		err        error
		critical   bool // the LimitError is about the critical limit
	}{
		{"", "", Threshold{}, nil, false},
		{"10", "", Threshold{Warn: 10, HasWarn: true}, nil, false},
		{"", "20", Threshold{Crit: 20, HasCrit: true}, nil, false},
		{"10", "20", Threshold{Warn: 10, Crit: 20, HasWarn: true, HasCrit: true}, nil, false},
		{"20", "20", Threshold{Warn: 20, Crit: 20, HasWarn: true, HasCrit: true}, nil, false},
		{"30", "20", Threshold{}, ErrInverted, false},
		{"x", "20", Threshold{}, &LimitError{}, false},
		{"10", "-1", Threshold{}, &LimitError{}, true},
	}
	for _, tt := range tests {
		got, err := ParseThreshold(tt.warn, tt.crit, ParseCount)
		var le *LimitError
		switch {
		case tt.err == nil:
			if err != nil || got != tt.want {
				t.Errorf("ParseThreshold(%q, %q) = %+v, %v; want %+v", tt.warn, tt.crit, got, err, tt.want)
			}
		case errors.Is(tt.err, ErrInverted):
			if !errors.Is(err, ErrInverted) {
				t.Errorf("ParseThreshold(%q, %q) error = %v, want ErrInverted", tt.warn, tt.crit, err)
			}
		case !errors.As(err, &le) || le.Critical != tt.critical:
			t.Errorf("ParseThreshold(%q, %q) error = %#v, want a LimitError (critical %v)", tt.warn, tt.crit, err, tt.critical)
		}
	}
	if _, err := ParseCount("many"); err == nil || err.Error() != `want a number of messages, not "many"` {
		t.Errorf("ParseCount(many) error = %v", err)
	}
}

func TestFindings(t *testing.T) {
	var f Findings
	if f.State() != OK || len(f.Texts()) != 0 {
		t.Errorf("no findings: state %v, texts %q; want OK and none", f.State(), f.Texts())
	}
	f.Add(OK, "dropped")
	f.Add(Unknown, "u1")
	if f.State() != Unknown {
		t.Errorf("an UNKNOWN only: state %v, want UNKNOWN", f.State())
	}
	f.Add(Warning, "w1")
	f.Add(Critical, "c1")
	f.Add(Warning, "w2")
	if f.State() != Critical {
		t.Errorf("state %v, want CRITICAL", f.State())
	}
	if want := []string{"c1", "w1", "w2", "u1"}; !slices.Equal(f.Texts(), want) {
		t.Errorf("Texts() = %q, want %q", f.Texts(), want)
	}
	for s, name := range map[State]string{OK: "OK", Warning: "WARNING", Critical: "CRITICAL", Unknown: "UNKNOWN", 7: "UNKNOWN"} {
		if s.String() != name {
			t.Errorf("State(%d).String() = %q, want %q", int(s), s.String(), name)
		}
	}
}

func TestParseThresholdFlags(t *testing.T) {
	tests := []struct{ warn, crit, err string }{
		{"1", "2", ""},
		{"x", "2", `--warn-x: want a number of messages, not "x"`},
		{"1", "y", `--crit-x: want a number of messages, not "y"`},
		{"3", "2", "--warn-x 3 is above --crit-x 2"},
	}
	for _, tt := range tests {
		_, err := ParseThresholdFlags("--warn-x", tt.warn, "--crit-x", tt.crit, ParseCount)
		if (err == nil && tt.err != "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("ParseThresholdFlags(%q, %q) error = %v, want %q", tt.warn, tt.crit, err, tt.err)
		}
	}
}

func TestPerfAndStatusLine(t *testing.T) {
	limits := Threshold{Warn: 10, Crit: 20, HasWarn: true, HasCrit: true}
	tests := []struct {
		p    Perf
		want string
	}{
		{Perf{Label: "messages", Value: 6, Limits: limits, Min: "0"}, "messages=6;10;20;0"},
		{Perf{Label: "messages", Value: 6, Min: "0"}, "messages=6;;;0"},
		{Perf{Label: "oldest", Value: 60, Unit: "s", Limits: Threshold{Crit: 5, HasCrit: true}, Min: "0"}, "oldest=60s;;5;0"},
		{Perf{Label: "up", Value: 1, Min: "0", Max: "1"}, "up=1;;;0;1"},
		{Perf{Label: "plain", Value: 3}, "plain=3"},
		{Perf{Label: "warned", Value: 3, Limits: Threshold{Warn: 1, HasWarn: true}}, "warned=3;1"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
	got := StatusLine("QQ", "WARNING", []string{"a", "b"}, []Perf{tests[0].p, tests[3].p})
	if want := "QQ WARNING - a, b | messages=6;10;20;0 up=1;;;0;1"; got != want {
		t.Errorf("StatusLine = %q, want %q", got, want)
	}
}
