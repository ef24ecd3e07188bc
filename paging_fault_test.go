package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store"
)

// flakyPager is a memory store whose page reads fail while fails is
// positive, counting down.
type flakyPager struct {
	*store.MemoryStore
	fails atomic.Int32
	reads atomic.Int32
}

var errFlakyRead = errors.New("test: page read failed")

func (p *flakyPager) ReadMessages(command string, from uint64, limit int) ([]*store.Record, error) {
	p.reads.Add(1)
	if p.fails.Add(-1) >= 0 {
		return nil, errFlakyRead
	}
	return p.MemoryStore.ReadMessages(command, from, limit)
}

// A failed read of paged-out payloads is retried: the messages are
// delivered, in order, once the store reads again.
func TestPagedReadRetriedAfterAFailure(t *testing.T) {
	s := &flakyPager{MemoryStore: store.NewMemory()}
	b := mustStartBroker(t, teomq.BrokerConfig{Store: s, ResidentBytes: 100})
	p := mustConnect(t, b)
	ctx := testCtx(t)
	const n = 40
	for i := range n {
		if _, err := p.Send(ctx, "jobs", fmt.Appendf(nil, "message %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	s.fails.Store(3)
	got := make(chan string, n)
	if _, err := mustConnect(t, b).Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if v, want := recv(t, got, fmt.Sprintf("message %d", i)), fmt.Sprintf("message %02d", i); v != want {
			t.Fatalf("got %q, want %q", v, want)
		}
	}
	if r := s.reads.Load(); r < 4 {
		t.Fatalf("%d page reads, want the 3 failed ones and more", r)
	}
}
