package main

import (
	"errors"
	"strings"
	"testing"
)

func TestBrokerPrintsItsAddressAndStops(t *testing.T) {
	addr, _ := cliBroker(t)
	if len(addr) != 35 {
		t.Fatalf("address %q", addr)
	}
}

func TestBrokerFlagErrorsNameTheFlag(t *testing.T) {
	_, _, err := cli(t, "", "broker", "-config", t.TempDir(), "-listen", "127.0.0.1:0", "-durability", "fast")
	if err == nil || !strings.Contains(err.Error(), "-durability") {
		t.Fatalf("bad -durability: %v, want an error naming the flag", err)
	}
	_, _, err = cli(t, "", "broker", "-no-such-flag")
	if !errors.Is(err, errUsage) {
		t.Fatalf("unknown flag: %v, want a usage error", err)
	}
}
