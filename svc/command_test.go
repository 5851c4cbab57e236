package svc

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCommands(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Commands {
		if len(c.Letter) != 1 || seen[c.Letter] || seen[c.Name] {
			t.Errorf("command %+v: letter not one byte, or letter or name twice", c)
		}
		seen[c.Letter], seen[c.Name] = true, true
		if !strings.HasSuffix(c.Doc, "(svc -"+c.Letter+")") {
			t.Errorf("command %s: doc %q does not end with its svc flag", c.Name, c.Doc)
		}
		if c.CanWait != (c.Letter == "u" || c.Letter == "d") {
			t.Errorf("command %s: CanWait = %v", c.Name, c.CanWait)
		}
	}
}

func TestWaitFor(t *testing.T) {
	up := fakeSupervised(t, filepath.Join(t.TempDir(), "up"), daemontoolsStatus(stamp, 322, 0, 'u'), false)
	if st, err := up.WaitFor(context.Background(), "u", time.Minute); err != nil || st.Pid != 322 {
		t.Errorf(`WaitFor("u") of an up service = %+v, %v`, st, err)
	}
	if _, err := up.WaitFor(context.Background(), "d", 120*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf(`WaitFor("d") of an up service: %v, want a timeout`, err)
	}
	if _, err := up.WaitFor(context.Background(), "h", time.Minute); err == nil {
		t.Error(`WaitFor("h") waited for nothing without an error`)
	}
}

func TestProbeDir(t *testing.T) {
	p := NewService(filepath.Join(t.TempDir(), "missing")).ProbeDir()
	if p.Err == nil || p.State() != "error" {
		t.Errorf("ProbeDir() of a missing directory = %+v, want an error", p)
	}
	up := fakeSupervised(t, filepath.Join(t.TempDir(), "up"), daemontoolsStatus(stamp, 1, 0, 'u'), false)
	if p := up.ProbeDir(); !p.Supervised || p.Err != nil || !p.Status.Up {
		t.Errorf("ProbeDir() of an up service = %+v", p)
	}
}

func TestProbeNotesAndSeconds(t *testing.T) {
	tests := []struct {
		p    Probe
		want []string
	}{
		{Probe{Supervised: true, Status: Status{Up: true, Pid: 7}}, nil},
		{Probe{Supervised: true, Status: Status{Up: true, Pid: 7, Paused: true, GotTerm: true}}, []string{"paused", "got TERM"}},
		{Probe{Supervised: true, Status: Status{Finishing: true, State: "finish"}}, []string{"finishing", "finish"}},
		{Probe{Supervised: true, Status: Status{Up: true, Pid: 7, State: "up"}}, nil},
	}
	for _, tt := range tests {
		if got := tt.p.Notes(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v.Notes() = %q, want %q", tt.p, got, tt.want)
		}
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := Probe{Supervised: true, Status: Status{Since: now.Add(-90*time.Second - 500*time.Millisecond)}}
	if got := p.Seconds(now); got != 90 {
		t.Errorf("Seconds = %d, want 90", got)
	}
	p.Status.Since = now.Add(time.Hour)
	if got := p.Seconds(now); got != 0 {
		t.Errorf("Seconds of a status from the future = %d, want 0", got)
	}
}
