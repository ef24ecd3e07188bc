package ratelog_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/internal/ratelog"
)

func TestLimiterLetsOnePerIntervalAndCountsTheRest(t *testing.T) {
	l := ratelog.Limiter{Interval: time.Second}
	t0 := time.Unix(1000, 0)
	if ok, n := l.Allow(t0); !ok || n != 0 {
		t.Fatalf("first event: ok %v suppressed %d, want true 0", ok, n)
	}
	for i := range 5 {
		if ok, _ := l.Allow(t0.Add(time.Duration(i) * 100 * time.Millisecond)); ok {
			t.Fatalf("event %d within the interval was let through", i)
		}
	}
	if ok, n := l.Allow(t0.Add(time.Second)); !ok || n != 5 {
		t.Fatalf("after the interval: ok %v suppressed %d, want true 5", ok, n)
	}
	if ok, n := l.Allow(t0.Add(3 * time.Second)); !ok || n != 0 {
		t.Fatalf("next interval: ok %v suppressed %d, want true 0", ok, n)
	}
}
