//go:build !race

package examples_test

// raceEnabled reports whether this test binary runs with the race
// detector; the programs under test are then built with it too.
const raceEnabled = false
