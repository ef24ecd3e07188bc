package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store"
)

// shortStore runs out of a resource while out is set, as a PebbleStore
// out of descriptors does: it refuses writes with
// store.ErrStoreUnavailable, applying nothing. It tells refused of each
// write it refuses that holds an ack, tried of the message ID of each
// delivery attempt it writes, and acked of the message ID of each ack it
// writes.
type shortStore struct {
	store.Store
	out     atomic.Bool
	refused chan struct{}
	tried   chan teomq.MessageID
	acked   chan teomq.MessageID
}

func newShortStore() *shortStore {
	return &shortStore{
		Store:   store.NewMemory(),
		refused: make(chan struct{}, 100),
		tried:   make(chan teomq.MessageID, 100),
		acked:   make(chan teomq.MessageID, 100),
	}
}

var errShort = fmt.Errorf("%w: creating table: %w", store.ErrStoreUnavailable, syscall.EMFILE)

func (s *shortStore) Write(ops []store.Op, sync bool) error {
	var acks, tries []teomq.MessageID
	for _, op := range ops {
		switch op.Kind {
		case store.KindAck:
			acks = append(acks, op.ID)
		case store.KindAttempt:
			tries = append(tries, op.ID)
		}
	}
	if s.out.Load() {
		if len(acks) > 0 {
			s.refused <- struct{}{}
		}
		return errShort
	}
	if err := s.Store.Write(ops, sync); err != nil {
		return err
	}
	for _, id := range tries {
		s.tried <- id
	}
	for _, id := range acks {
		s.acked <- id
	}
	return nil
}

// reportingStore is a shortStore that reports its health, as a
// PebbleStore does.
type reportingStore struct{ *shortStore }

func (s reportingStore) Health() error {
	if s.out.Load() {
		return errShort
	}
	return nil
}

// TestStoreOutage runs the broker's store short of descriptors and back:
// publishes are refused with ErrStoreUnavailable meanwhile, and never
// delivered; Health and /healthz report it; once the store is back the
// broker takes publishes again by itself and writes the acks it held back.
func TestStoreOutage(t *testing.T) {
	cases := []struct {
		name    string
		reports bool
	}{
		{"store reports its health", true},
		{"store only fails writes", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			short := newShortStore()
			var st store.Store = short
			if tc.reports {
				st = reportingStore{short}
			}
			b := mustStartWebBroker(t, teomq.BrokerConfig{Store: st})
			healthz := "http://" + b.HTTPAddr().String() + "/healthz"
			handled := make(chan string, 10)
			release := make(chan struct{})
			c := mustConnect(t, b)
			if _, err := c.Subscribe("x", func(_ context.Context, m *teomq.Message) ([]byte, error) {
				handled <- string(m.Data)
				<-release
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			p := mustConnect(t, b)
			ctx := testCtx(t)
			before, err := p.Send(ctx, "x", []byte("before"))
			if err != nil {
				t.Fatalf("Send before the outage: %v", err)
			}
			if got := recv(t, handled, "the message sent before the outage"); got != "before" {
				t.Fatalf("consumer got %q, want before", got)
			}
			// The delivery's attempt is written before the outage: a change
			// refused during it waits for its end, and so would the ack.
			for id := recv(t, short.tried, "the delivery's attempt"); id != before; {
				id = recv(t, short.tried, "the delivery's attempt")
			}

			short.out.Store(true)
			close(release) // its ack is refused: the broker keeps it
			recv(t, short.refused, "the refused ack")
			_, err = p.Send(ctx, "x", []byte("refused"))
			if !errors.Is(err, teomq.ErrStoreUnavailable) || errors.Is(err, teomq.ErrStoreFailed) {
				t.Fatalf("Send during the outage: %v, want ErrStoreUnavailable", err)
			}
			if err := b.Health(); !errors.Is(err, teomq.ErrStoreUnavailable) {
				t.Fatalf("Health during the outage: %v, want ErrStoreUnavailable", err)
			}
			if resp, body := get(t, healthz); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, syscall.EMFILE.Error()) {
				t.Fatalf("/healthz during the outage: %d %q, want 503 with the cause", resp.StatusCode, body)
			}

			short.out.Store(false)
			if tc.reports {
				if err := b.Health(); err != nil {
					t.Fatalf("Health once the store is back, before any publish: %v", err)
				}
			}
			if _, err := p.Send(ctx, "x", []byte("after")); err != nil {
				t.Fatalf("Send after the outage: %v", err)
			}
			if got := recv(t, handled, "the message sent after the outage"); got != "after" {
				t.Fatalf("consumer got %q, want after (the refused message is not queued)", got)
			}
			for id := recv(t, short.acked, "the ack held back during the outage"); id != before; {
				id = recv(t, short.acked, "the ack held back during the outage")
			}
			if err := b.Health(); err != nil {
				t.Fatalf("Health after the outage: %v", err)
			}
			if resp, body := get(t, healthz); resp.StatusCode != http.StatusOK {
				t.Fatalf("/healthz after the outage: %d %q, want 200", resp.StatusCode, body)
			}
		})
	}
}
