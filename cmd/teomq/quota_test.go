package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
)

// -max-bytes bounds a command's pending payload bytes, and -max-disk the
// store's size: a send past either is refused with the error naming the
// limit.
func TestBrokerQuotaFlags(t *testing.T) {
	addr, config := cliBroker(t, "-max-bytes", "10")
	b := against{t, addr, config}
	if _, err := b.run([]string{"send"}, "jobs", "12345678"); err != nil {
		t.Fatal(err)
	}
	_, err := b.run([]string{"send"}, "jobs", "abc")
	if !errors.Is(err, teomq.ErrQueueFull) || !strings.Contains(err.Error(), "max queue bytes") {
		t.Fatalf("send past -max-bytes 10: %v, want ErrQueueFull naming max queue bytes", err)
	}

	addr, config = cliBroker(t, "-durability", "sync", "-data", t.TempDir(), "-max-disk", "1")
	b = against{t, addr, config}
	_, err = b.run([]string{"send"}, "jobs", "x")
	if !errors.Is(err, teomq.ErrDiskBudget) || !strings.Contains(err.Error(), "max disk") {
		t.Fatalf("send past -max-disk 1: %v, want ErrDiskBudget naming max disk", err)
	}
}
