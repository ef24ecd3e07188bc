//go:build !unix

package pebblestore

import (
	"github.com/teonet-go/teomq/store"
	"time"
)

// processCPUTime is unknown here: loadMeter then counts the process busy.
func processCPUTime() (time.Duration, bool) { return 0, false }
