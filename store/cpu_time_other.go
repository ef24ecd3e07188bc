//go:build !unix

package store

import "time"

// processCPUTime is unknown here: loadMeter then counts the process busy.
func processCPUTime() (time.Duration, bool) { return 0, false }
