package teomq_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// A command's pending payload bytes are bounded: a publish past
// MaxQueueBytes is refused with ErrQueueFull naming the limit, nothing is
// lost, and the producer's retry goes through once the consumer drained
// the queue.
func TestQueueBytesQuota(t *testing.T) {
	for _, d := range []teomq.Durability{teomq.DurabilityMemory, teomq.DurabilitySync} {
		t.Run(string(d), func(t *testing.T) {
			b := mustStartBroker(t, teomq.BrokerConfig{Durability: d, DataDir: t.TempDir(), MaxQueueBytes: 100})
			p := mustConnect(t, b)
			ctx := testCtx(t)
			payload := func(c byte) []byte { return bytes.Repeat([]byte{c}, 40) }
			for _, c := range []byte("ab") {
				if _, err := p.Send(ctx, "q", payload(c)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := p.Send(ctx, "q", payload('c'))
			if !errors.Is(err, teomq.ErrQueueFull) || !strings.Contains(err.Error(), "max queue bytes") {
				t.Fatalf("send past 100 bytes: %v, want ErrQueueFull naming max queue bytes", err)
			}
			if n := b.QueueLen("q"); n != 2 {
				t.Fatalf("queue holds %d messages after the refusal, want 2", n)
			}
			got := make(chan byte, 3)
			c := mustConnect(t, b)
			if _, err := c.Subscribe("q", func(_ context.Context, m *teomq.Message) ([]byte, error) {
				got <- m.Data[0]
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			for _, want := range []byte("ab") {
				if v := recv(t, got, "queued message"); v != want {
					t.Fatalf("got %q, want %q", v, want)
				}
			}
			waitFor(t, "the queue to drain", func() bool { return b.QueueLen("q") == 0 })
			if _, err := p.Send(ctx, "q", payload('c')); err != nil {
				t.Fatalf("retry after the drain: %v", err)
			}
			if v := recv(t, got, "retried message"); v != 'c' {
				t.Fatalf("got %q, want the retried 'c'", v)
			}
		})
	}
}

// The store's disk budget refuses publishes with ErrDiskBudget naming the
// limit once the store takes it; the refused message is not stored, and
// the messages stored before it stay.
func TestDiskBudget(t *testing.T) {
	dir := t.TempDir()
	s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	empty := s.Metrics().DiskBytes
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	const size, budget = 10 << 10, 64 << 10
	b := mustStartBroker(t, teomq.BrokerConfig{Durability: teomq.DurabilitySync, DataDir: dir, MaxDisk: int64(empty) + budget})
	p := mustConnect(t, b)
	ctx := testCtx(t)
	stored := 0
	for ; stored < 2*budget/size; stored++ {
		_, err = p.Send(ctx, "q", make([]byte, size))
		if err != nil {
			break
		}
	}
	if !errors.Is(err, teomq.ErrDiskBudget) || !strings.Contains(err.Error(), "max disk") {
		t.Fatalf("after %d sends of %d bytes: %v, want ErrDiskBudget naming max disk", stored, size, err)
	}
	if stored == 0 || stored > budget/size {
		t.Fatalf("%d messages of %d bytes stored within a budget of %d bytes", stored, size, budget)
	}
	if n := b.QueueLen("q"); n != stored {
		t.Fatalf("queue holds %d messages, want the %d stored", n, stored)
	}
}
