package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// A payload over the broker's limit fails at once with the limit error,
// whatever its size, instead of timing out; one under a larger -max-size
// goes through.
func TestOversizedPayloadFailsQuickly(t *testing.T) {
	addr, config := cliBroker(t)
	for _, size := range []int{1_200_000, 5_000_000, 50_000_000} {
		for _, cmd := range []string{"send", "request"} {
			t.Run(fmt.Sprintf("%s %d bytes", cmd, size), func(t *testing.T) {
				start := time.Now()
				_, _, err := cli(t, strings.Repeat("x", size), cmd, "-config", config, "-broker", addr, "-timeout", "30s", "big", "-")
				if elapsed := time.Since(start); elapsed > 10*time.Second { // -timeout is 30s
					t.Fatalf("failed after %v, want at once", elapsed)
				}
				if !errors.Is(err, teomq.ErrTooLarge) {
					t.Fatalf("%s: %v, want ErrTooLarge", cmd, err)
				}
				line := errorLine(err)
				if want := fmt.Sprintf("message too large: %d bytes, limit %d", size, teomq.DefaultMaxMessageSize); !strings.Contains(line, want) || strings.Count(line, "teomq:") != 1 {
					t.Fatalf("prints %q, want one prefix and %q", line, want)
				}
			})
		}
	}
}

func TestMaxSizeFlagRaisesTheLimitEndToEnd(t *testing.T) {
	addr, config := cliBroker(t, "-max-size", "8000000")
	if _, _, err := cli(t, strings.Repeat("x", 5_000_000), "send", "-config", config, "-broker", addr, "big", "-"); err != nil {
		t.Fatalf("5 MB under -max-size 8000000: %v", err)
	}
	_, _, err := cli(t, strings.Repeat("x", 8_000_001), "send", "-config", config, "-broker", addr, "big", "-")
	if !errors.Is(err, teomq.ErrTooLarge) || !strings.Contains(err.Error(), "limit 8000000") {
		t.Fatalf("8000001 bytes: %v, want ErrTooLarge naming the limit", err)
	}
}
