package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
)

func TestSendPrintsTheID(t *testing.T) {
	addr, config := cliBroker(t)
	out, _, err := cli(t, "", "send", "-config", config, "-broker", addr, "jobs", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}\n$`).MatchString(out) {
		t.Fatalf("send printed %q, want a message ID", out)
	}
	// DATA from stdin with "-".
	if _, _, err := cli(t, "from stdin", "send", "-config", config, "-broker", addr, "jobs", "-"); err != nil {
		t.Fatal(err)
	}
	got, _, err := cli(t, "", "consume", "-config", config, "-broker", addr, "-n", "2", "jobs")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " hello") || !strings.HasSuffix(lines[1], " from stdin") {
		t.Fatalf("consumed %q", got)
	}
	if id := strings.TrimSpace(out); !strings.Contains(lines[0], id) {
		t.Fatalf("consume line %q lacks the sent ID %s", lines[0], id)
	}
}

func TestSendErrorsAreClear(t *testing.T) {
	_, _, err := cli(t, "", "send", "jobs", "x")
	if err == nil || !strings.Contains(err.Error(), "-broker") {
		t.Fatalf("no broker: %v, want an error naming -broker", err)
	}
	addr, config := cliBroker(t)
	_, _, err = cli(t, "", "send", "-config", config, "-broker", addr)
	if err == nil || !strings.Contains(err.Error(), "COMMAND") {
		t.Fatalf("no command: %v", err)
	}
	for _, name := range []string{"bad\x01name", ""} {
		for _, cmd := range []string{"send", "request"} {
			_, _, err = cli(t, "", cmd, "-config", config, "-broker", addr, name, "x")
			if !errors.Is(err, teomq.ErrBadName) || !strings.Contains(err.Error(), "name") {
				t.Errorf("%s %q: %v, want ErrBadName", cmd, name, err)
			}
		}
	}
}
