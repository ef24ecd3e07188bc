package main

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorLineHasOnePrefix(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"library error", errors.New("teomq: broker identity: teonet: identity in use"),
			"teomq: broker identity: teonet: identity in use"},
		{"library error wrapped by a command", fmt.Errorf("request version: %w", errors.New("teomq: message too large: 5 bytes, limit 4")),
			"teomq: request version: message too large: 5 bytes, limit 4"},
		{"CLI error", errors.New("no broker: pass -broker ADDRESS"), "teomq: no broker: pass -broker ADDRESS"},
		{"other packages keep theirs", fmt.Errorf("connect: %w", errors.New("teonet: dial X: refused")),
			"teomq: connect: teonet: dial X: refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errorLine(tc.err); got != tc.want {
				t.Fatalf("errorLine = %q, want %q", got, tc.want)
			}
		})
	}
}
