package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/loadgen"
)

// A wrong command line says what is wrong first, then how to use the
// command, and exits with status 2.
func TestUsageErrorsSayWhatIsWrong(t *testing.T) {
	const addr = "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2"
	tests := []struct {
		name   string
		args   []string
		reason string // the first line of stderr
		usage  string // the usage that follows
	}{
		{"no command", nil, "teomq: missing command", "Commands:"},
		{"request without COMMAND", []string{"request", "-broker=" + addr}, "teomq request: missing COMMAND", "Usage: teomq request"},
		{"request with too many arguments", []string{"request", "-broker=" + addr, "a", "b", "c"}, "teomq request: too many arguments", "Usage: teomq request"},
		{"send without COMMAND", []string{"send", "-broker", addr}, "teomq send: missing COMMAND", "Usage: teomq send"},
		{"send without broker", []string{"send", "jobs"}, "teomq send: no broker: pass -broker ADDRESS", "Usage: teomq send"},
		{"consume without COMMAND", []string{"consume", "-broker", addr}, "teomq consume: missing COMMAND", "Usage: teomq consume"},
		{"broker with an argument", []string{"broker", "extra"}, `teomq broker: unexpected argument "extra"`, "Usage: teomq broker"},
		{"unknown flag", []string{"broker", "-no-such-flag"}, "teomq broker: flag provided but not defined: -no-such-flag", "Usage: teomq broker"},
		{"flag without its value", []string{"request", "num_servers", "-broker"}, "teomq request: flag needs an argument: -broker", "Usage: teomq request"},
		{"bad flag value", []string{"bench", "send", "-clients", "many"}, `teomq bench: invalid value "many" for flag -clients`, "Usage: teomq bench"},
		{"bench without MODE", []string{"bench"}, "teomq bench: missing MODE", "Usage: teomq bench"},
		{"bench with two modes", []string{"bench", "send", "request"}, `teomq bench: unexpected argument "request"`, "Usage: teomq bench"},
		{"bench with zero clients", []string{"bench", "send", "-clients", "0"}, "teomq bench: -clients 0: must be at least 1", "Usage: teomq bench"},
		{"version with an argument", []string{"version", "now"}, `teomq version: unexpected argument "now"`, "Usage: teomq version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := cli(t, "", tt.args...)
			if !errors.Is(err, errUsage) || exitCode(err) != 2 {
				t.Fatalf("err = %v (exit %d), want a usage error, exit 2", err, exitCode(err))
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			first, rest, _ := strings.Cut(stderr, "\n")
			if !strings.HasPrefix(first, tt.reason) {
				t.Errorf("stderr starts %q, want the reason %q", first, tt.reason)
			}
			if !strings.Contains(rest, tt.usage) {
				t.Errorf("stderr after the reason lacks %q:\n%s", tt.usage, stderr)
			}
			if strings.Count(stderr, "Usage:") > 1 {
				t.Errorf("usage printed twice:\n%s", stderr)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{usageErrorf("missing COMMAND"), 2},
		{fmt.Errorf("bench: %w", errInterrupted), 130},
		{errors.New("request num_servers: timed out"), 1},
		{fmt.Errorf("bench: %w", loadgen.ErrInterrupted), 1}, // only bench's own report is 130
		{context.Canceled, 1},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestErrorLineSaysTeomqOnce(t *testing.T) {
	for _, tt := range []struct{ err, want string }{
		{"request \"x\": timed out", "teomq: request \"x\": timed out"},
		{"teomq: open store in d: in use", "teomq: open store in d: in use"},
	} {
		if got := errorLine(errors.New(tt.err)); got != tt.want {
			t.Errorf("errorLine(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
