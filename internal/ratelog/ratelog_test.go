package ratelog_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/internal/ratelog"
)

// A burst of events lets one through; once the interval has passed, the
// next one through reports how many were held back.
func TestLimiterCountsSuppressed(t *testing.T) {
	const every = 200 * time.Millisecond
	l := &ratelog.Limiter{Every: every}
	if n, ok := l.Allow(); !ok || n != 0 {
		t.Fatalf("first Allow = %d, %v; want 0, true", n, ok)
	}
	for i := range 5 {
		if _, ok := l.Allow(); ok {
			t.Fatalf("event %d of a burst allowed", i+2)
		}
	}
	time.Sleep(every) // the interval itself is what is tested
	if n, ok := l.Allow(); !ok || n != 5 {
		t.Fatalf("Allow after the interval = %d, %v; want 5, true", n, ok)
	}
	if _, ok := l.Allow(); ok {
		t.Fatal("second event of the new interval allowed")
	}
}
