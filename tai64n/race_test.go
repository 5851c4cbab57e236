//go:build race

package tai64n_test

// raceEnabled scales the oracle inputs down under the race detector, which
// slows the filters tenfold.
const raceEnabled = true
