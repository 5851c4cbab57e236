package sendlog

import (
	"testing"

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
