package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/store"
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

// A second broker on the data dir of a running one says who holds it.
func TestSecondBrokerOnADataDirNamesItsHolder(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	_, config := cliBroker(t, "-data", data, "-durability", "sync")
	_, _, err := cli(t, "", "broker", "-config", config, "-name", "second", "-listen", "127.0.0.1:0", "-http", "",
		"-data", data, "-durability", "sync")
	if !errors.Is(err, store.ErrDirInUse) {
		t.Fatalf("second broker: %v, want ErrDirInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, data) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("error %q should name the directory and the holding process", msg)
	}
}
