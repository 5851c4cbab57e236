//go:build !race

package tai64n_test

const raceEnabled = false
