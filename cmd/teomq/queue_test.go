package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/teonet-go/teomq"
)

func TestQueuePurge(t *testing.T) {
	addr, config := cliBroker(t)
	b := against{t, addr, config}
	for _, d := range []string{"a", "b"} {
		if _, err := b.run([]string{"send"}, "jobs", d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.run([]string{"queue", "purge"}, "jobs"); !errors.Is(err, errNotConfirmed) {
		t.Fatalf("queue purge without -yes: %v, want it refused", err)
	}
	if out, err := b.run([]string{"queue", "purge"}, "-yes", "jobs"); err != nil || out != "purged 2 waiting messages of jobs\n" {
		t.Fatalf("queue purge: %v %q", err, out)
	}
	out, err := b.run([]string{"queue", "purge"}, "-yes", "-json", "jobs")
	var got map[string]int
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || got["purged"] != 0 {
		t.Fatalf("second purge: %v %q, want nothing left", err, out)
	}
	// Nothing is left for a consumer.
	c := goClient(t, addr, config, "late")
	delivered := make(chan string, 2)
	if _, err := c.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		delivered <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.run([]string{"send"}, "jobs", "after"); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, delivered, "the message sent after the purge"); got != "after" {
		t.Fatalf("consumer got %q first, want the message sent after the purge", got)
	}
	if _, err := b.run([]string{"queue", "purge"}, "-yes", "nope"); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("queue purge of an unknown command: %v, want ErrNotFound", err)
	}
}
