package sendlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// selectLines runs lines (without time stamps) through a Selector and
// returns the ones it emits, in order.
func selectLines(t *testing.T, f *Selection, lines []string) []string {
	t.Helper()
	var got []string
	s := NewSelector(f, Range{}, func(e *Event, raw []byte, d *Delivery) error {
		got = append(got, string(raw))
		return nil
	})
	for _, line := range lines {
		e := Parse([]byte(line))
		if err := s.Add(&e, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func TestSelector(t *testing.T) {
	log := []string{
		"new msg 1",
		"info msg 1: bytes 10 from <Alice@X> qp 100 uid 1",
		"starting delivery 1: msg 1 to remote bob@y",
		"starting delivery 2: msg 1 to local carol@x",
		"delivery 2: success: did_1+0+0/",
		"delivery 1: deferral: Connection_refused/",
		"new msg 2",
		"info msg 2: bytes 20 from <> qp 200 uid 1",
		"starting delivery 3: msg 2 to remote alice@x",
		"delivery 3: failure: Sorry/",
		"bounce msg 2 qp 300",
		"end msg 2",
		"end msg 1",
	}
	tests := []struct {
		name string
		f    Selection
		want []int // indexes into log
	}{
		{"everything", Selection{}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"id", Selection{IDs: map[uint64]bool{2: true}}, []int{6, 7, 8, 9, 10, 11}},
		{"sender, case-insensitive, new msg held for info", Selection{Senders: AddressSet([]string{"<alice@x>"})}, []int{0, 1, 2, 3, 4, 5, 12}},
		{"null sender", Selection{Senders: AddressSet([]string{"<>"})}, []int{6, 7, 8, 9, 10, 11}},
		{"qp", Selection{QPs: map[uint64]bool{200: true}}, []int{6, 7, 8, 9, 10, 11}},
		{"recipient: delivery lines only", Selection{Recipients: AddressSet([]string{"BOB@y"})}, []int{2, 5}},
		{"outcome: start held for the result", Selection{Outcomes: map[Outcome]bool{OutcomeDeferral: true}}, []int{2, 5}},
		{"outcome bounce", Selection{Bounce: true}, []int{10}},
		{"outcome and recipient", Selection{Outcomes: map[Outcome]bool{OutcomeFailure: true}, Recipients: AddressSet([]string{"alice@x"})}, []int{8, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, i := range tt.want {
				want = append(want, log[i])
			}
			if diff := cmp.Diff(want, selectLines(t, &tt.f, log)); diff != "" {
				t.Errorf("selected lines (-want +got):\n%s", diff)
			}
		})
	}
	if !(&Selection{}).IsZero() || (&Selection{Bounce: true}).IsZero() {
		t.Errorf("IsZero: want true for the zero Selection only")
	}
}

// collect returns an Emit function appending the raw lines it gets to got.
func collect(got *[]string) func(e *Event, raw []byte, d *Delivery) error {
	return func(e *Event, raw []byte, d *Delivery) error {
		*got = append(*got, string(raw))
		return nil
	}
}

func TestSelect(t *testing.T) {
	ctx := context.Background()
	lines := []string{"new msg 1", "new msg 2", "end msg 1", "new msg 3", "end msg 2"}
	stream := func() *Log { return FromReader("test", strings.NewReader(strings.Join(lines, "\n")+"\n")) }

	// Reading: every line the selection keeps.
	var got []string
	n, err := Select(ctx, stream(), SelectOptions{Selection: &Selection{IDs: map[uint64]bool{2: true}}, Emit: collect(&got)})
	if want := []string{"new msg 2", "end msg 2"}; err != nil || n != 2 || !cmp.Equal(got, want) {
		t.Errorf("Select --id 2 = %q, %d, %v; want %q", got, n, err, want)
	}

	// Following without Since: the last lines first, then CaughtUp.
	for _, last := range []int{2, 0, -1, 10} {
		got = nil
		caughtUp := 0
		n, err = Select(ctx, stream(), SelectOptions{Follow: true, Interval: time.Millisecond, Last: last, Emit: collect(&got),
			CaughtUp: func() error { caughtUp++; got = append(got, "<caught up>"); return nil }})
		want := append(append([]string{}, lines[len(lines)-min(max(last, 0), len(lines)):]...), "<caught up>")
		if err != nil || n != len(lines) || caughtUp != 1 || !cmp.Equal(got, want) {
			t.Errorf("Select -f -n %d = %q, %d, %v; want %q", last, got, n, err, want)
		}
	}

	// An error from Emit or CaughtUp stops Select.
	stop := errors.New("stop")
	if _, err := Select(ctx, stream(), SelectOptions{Emit: func(*Event, []byte, *Delivery) error { return stop }}); err != stop {
		t.Errorf("Select with a failing Emit = %v, want %v", err, stop)
	}
	_, err = Select(ctx, stream(), SelectOptions{Follow: true, Last: 1, Emit: collect(&got), CaughtUp: func() error { return stop }})
	if err != stop {
		t.Errorf("Select with a failing CaughtUp = %v, want %v", err, stop)
	}
}

// TestSelectTruncated reports the first cut line only.
func TestSelectTruncated(t *testing.T) {
	long := strings.Repeat("x", MaxLineLength+10)
	l := FromReader("test", strings.NewReader(long+"\n"+long+"\nend msg 1\n"))
	var cut int
	var got []string
	n, err := Select(context.Background(), l, SelectOptions{Emit: collect(&got), Truncated: func(Line) { cut++ }})
	if err != nil || n != 3 || cut != 1 || got[2] != "end msg 1" || len(got[0]) != MaxLineLength {
		t.Errorf("Select over long lines: %d lines, %d reported cut, %v", n, cut, err)
	}
}

// TestKeepLast holds back the selected lines, keeping the last ones, until
// Release.
func TestKeepLast(t *testing.T) {
	var got []string
	s := NewSelector(&Selection{}, Range{}, collect(&got))
	s.KeepLast(3)
	for i := range 7 {
		line := fmt.Sprintf("new msg %d", i+1)
		e := Parse([]byte(line))
		if err := s.Add(&e, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 0 {
		t.Fatalf("emitted %q before Release", got)
	}
	if err := s.Release(); err != nil {
		t.Fatal(err)
	}
	e := Parse([]byte("end msg 7"))
	if err := s.Add(&e, []byte("end msg 7")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"new msg 5", "new msg 6", "new msg 7", "end msg 7"}; !cmp.Equal(got, want) || s.Selected() != 8 {
		t.Errorf("emitted %q, selected %d; want %q, 8", got, s.Selected(), want)
	}
}
