package sendlog

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummarizeGolden(t *testing.T) {
	l := openSample(t)
	var out strings.Builder
	for _, r := range []struct {
		name         string
		since, until time.Time
	}{
		{"all", time.Time{}, time.Time{}},
		{"from 09:05", time.Date(2024, 6, 1, 9, 5, 0, 0, time.UTC), time.Time{}},
		{"09:00 to 09:01", time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC), time.Date(2024, 6, 1, 9, 1, 0, 0, time.UTC)},
	} {
		sum, err := Summarize(context.Background(), l, nil, r.since, r.until, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "== %s\n%s\n", r.name, b)
	}
	golden(t, "summary.golden", out.String())
}

// TestTopCounter checks the Space-Saving counter: exact within capacity,
// and the heavy hitters survive a flood of distinct keys beyond it.
func TestTopCounter(t *testing.T) {
	c := topCounter{capacity: 3}
	for _, k := range []string{"a", "b", "a", "c", "a", "b"} {
		c.add(k, 1)
	}
	if diff := cmp.Diff([]Count{{"a", 3}, {"b", 2}, {"c", 1}}, c.counts(10)); diff != "" {
		t.Errorf("exact counts (-want +got):\n%s", diff)
	}
	big := topCounter{capacity: 100}
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 100000 {
		if i%10 == 0 {
			big.add("hot", 1)
		} else {
			big.add(fmt.Sprint("cold", r.IntN(50000)), 1)
		}
	}
	top := big.counts(1)
	if len(top) != 1 || top[0].Key != "hot" || top[0].N < 10000 {
		t.Errorf("top after a flood = %+v", top)
	}
	if len(big.heap) != 100 || len(big.entries) != 100 {
		t.Errorf("counter grew to %d entries", len(big.entries))
	}
}

func TestReservoir(t *testing.T) {
	var r reservoir
	r.init(1000)
	for i := 1; i <= 100; i++ {
		r.add(time.Duration(i) * time.Second)
	}
	got := r.delays()
	want := Delays{N: 100, Mean: 50500 * time.Millisecond, P50: 50 * time.Second, P90: 90 * time.Second,
		P95: 95 * time.Second, P99: 99 * time.Second, Max: 100 * time.Second}
	if got != want {
		t.Errorf("delays = %+v, want %+v", got, want)
	}
	var small reservoir
	small.init(10)
	for i := range 100000 {
		small.add(time.Duration(i))
	}
	if d := small.delays(); d.N != 100000 || d.Max != 99999 || len(small.sample) != 10 {
		t.Errorf("sampled delays = %+v, %d kept", d, len(small.sample))
	}
	var empty reservoir
	if (empty.delays() != Delays{}) {
		t.Error("empty reservoir has delays")
	}
}

func TestRange(t *testing.T) {
	r := Range{Since: time.Unix(100, 0), Until: time.Unix(200, 0)}
	var got []bool
	for _, line := range []string{
		"no stamp yet",
		"@4000000000000064000000000 x", // malformed: no stamp
		"@400000000000006e00000000 at 100",
		"unstamped after 100",
		"@40000000000000d200000001 just after 200",
		"unstamped after that",
	} {
		e := Parse([]byte(line))
		got = append(got, r.Contains(&e))
	}
	if diff := cmp.Diff([]bool{false, false, true, true, false, false}, got); diff != "" {
		t.Errorf("Contains (-want +got):\n%s", diff)
	}
	open := Range{}
	e := Parse([]byte("x"))
	if !open.Contains(&e) {
		t.Error("an open range rejects a line")
	}
}
