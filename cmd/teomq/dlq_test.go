package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/teonet-go/teomq"
)

// A message dead-lettered after one delivery (-max-deliveries 1) is listed
// with its attempts and last error, shown with its data, replayed to a
// consumer that now answers; another one is purged.
func TestDLQListShowReplayPurge(t *testing.T) {
	addr, config := cliBroker(t, "-max-deliveries", "1")
	var healthy atomic.Bool
	handled := make(chan string, 4)
	cons := goClient(t, addr, config, "worker")
	if _, err := cons.Subscribe("flaky", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		if !healthy.Load() {
			return nil, teomq.Retry(errors.New("backend down"))
		}
		handled <- string(m.Data)
		return []byte("done"), nil
	}); err != nil {
		t.Fatal(err)
	}
	prod := goClient(t, addr, config, "producer")
	deadLetter := func(data string) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := prod.Request(ctx, "flaky", []byte(data), teomq.WithID(id)); !errors.Is(err, teomq.ErrDeadLetter) {
			t.Fatalf("request: %v, want ErrDeadLetter", err)
		}
		return id
	}
	flags := []string{"-config", config, "-broker", addr}
	dlq := func(verb string, args ...string) (string, error) {
		t.Helper()
		out, _, err := cli(t, "", append(append([]string{"dlq", verb}, flags...), args...)...)
		return out, err
	}

	id := deadLetter("payload")
	out, err := dlq("ls", "flaky")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("dlq ls printed %q, want a header and one row", out)
	}
	fields := strings.Fields(lines[1])
	if fields[0] != id.String() || fields[1] != "default" || fields[2] != "1" || fields[3] != "7" ||
		fields[4] != prod.Address() || !strings.HasSuffix(lines[1], "retry: backend down") {
		t.Fatalf("dlq ls row %q, want id, default group, 1 attempt, 7 bytes, producer and last error", lines[1])
	}
	out, err = dlq("ls", "-json", "flaky")
	var list teomq.DeadLetterList
	if err != nil || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("dlq ls -json: %v\n%s", err, out)
	}
	if list.Total != 1 || list.Letters[0].ID != id || list.Letters[0].Attempts != 1 || list.Letters[0].LastError != "retry: backend down" {
		t.Fatalf("dlq ls -json = %+v", list)
	}
	out, err = dlq("show", "flaky", id.String())
	if err != nil || !strings.Contains(out, "attempts:    1") || !strings.HasSuffix(out, "\npayload\n") {
		t.Fatalf("dlq show: %v\n%s", err, out)
	}
	if _, err := dlq("show", "flaky", "not-an-id"); !errors.Is(err, errUsage) {
		t.Fatalf("dlq show with a bad ID: %v, want a usage error", err)
	}

	// Replaying all needs -yes without a terminal; naming the ID does not.
	if _, err := dlq("replay", "flaky"); !errors.Is(err, errNotConfirmed) {
		t.Fatalf("dlq replay without -yes: %v, want it refused", err)
	}
	healthy.Store(true)
	if out, err := dlq("replay", "flaky", id.String()); err != nil || out != "replayed 1 dead letters of flaky\n" {
		t.Fatalf("dlq replay ID: %v %q", err, out)
	}
	if got := recv(t, handled, "the replayed message"); got != "payload" {
		t.Fatalf("consumer got %q", got)
	}

	healthy.Store(false)
	deadLetter("second")
	if _, err := dlq("purge", "flaky"); !errors.Is(err, errNotConfirmed) {
		t.Fatalf("dlq purge without -yes: %v, want it refused", err)
	}
	if out, err := dlq("purge", "-yes", "flaky"); err != nil || out != "purged 1 dead letters of flaky\n" {
		t.Fatalf("dlq purge: %v %q", err, out)
	}
	out, err = dlq("ls", "-json", "flaky")
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || list.Total != 0 || len(list.Letters) != 0 {
		t.Fatalf("after purge: %v %s", err, out)
	}
	if _, err := dlq("ls", "nope"); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("dlq ls of an unknown command: %v, want ErrNotFound", err)
	}
}
