//go:build race

package teomq_test

// raceEnabled reports whether this test binary runs with the race
// detector; programs the tests build are then built with it too, so that
// they reuse the packages the test run compiled.
const raceEnabled = true
