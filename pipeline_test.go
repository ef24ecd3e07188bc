package teomq_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store"
)

// gatedStore is a pipelining store whose syncs finish only when the test
// opens the gate, with the error the test chose.
type gatedStore struct {
	store.Store
	gate chan error // one value per sync to finish
	mu   sync.Mutex
	open bool // every sync finishes at once, with no error
}

func newGatedStore() *gatedStore {
	return &gatedStore{Store: store.NewMemory(), gate: make(chan error)}
}

func (s *gatedStore) WriteNoWait(ops []store.Op) (store.SyncedWrite, error) {
	if err := s.Store.Write(ops, false); err != nil {
		return nil, err
	}
	return gatedWrite{s}, nil
}

// openGate lets every sync, current and later, finish.
func (s *gatedStore) openGate() {
	s.mu.Lock()
	s.open = true
	s.mu.Unlock()
	close(s.gate)
}

type gatedWrite struct{ s *gatedStore }

func (w gatedWrite) Wait() error {
	err, ok := <-w.s.gate
	if !ok {
		return nil
	}
	return err
}

// With a store that syncs in the background, a message reaches its
// consumer while its sync runs, but the producer hears of it (confirm or
// result) only once the sync is done.
func TestUnsyncedMessageDeliveredButNotConfirmed(t *testing.T) {
	st := newGatedStore()
	b := mustStartBroker(t, teomq.BrokerConfig{Store: st})
	handled := make(chan string, 2)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("num_servers", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		handled <- string(m.Data)
		return []byte("answer to " + string(m.Data)), nil
	}, teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}

	p := mustConnect(t, b)
	ctx := testCtx(t)
	type outcome struct {
		ans *teomq.Answer
		err error
	}
	reqDone := make(chan outcome, 1)
	go func() {
		ans, err := p.Request(ctx, "num_servers", []byte("req"))
		reqDone <- outcome{ans, err}
	}()
	sendDone := make(chan error, 1)
	go func() {
		_, err := p.Send(ctx, "num_servers", []byte("send"))
		sendDone <- err
	}()

	got := map[string]bool{recv(t, handled, "first delivery"): true, recv(t, handled, "second delivery"): true}
	if !got["req"] || !got["send"] {
		t.Fatalf("consumer handled %v before the syncs, want both messages", got)
	}
	noRecv(t, reqDone, 200*time.Millisecond, "a result before the request's sync")
	noRecv(t, sendDone, 0, "a confirm before the message's sync")

	st.openGate()
	if o := recv(t, reqDone, "the request's result"); o.err != nil || string(o.ans.Data) != "answer to req" {
		t.Fatalf("Request = %v, %v; want the consumer's answer", o.ans, o.err)
	}
	if err := recv(t, sendDone, "the send's confirm"); err != nil {
		t.Fatalf("Send = %v", err)
	}
}

// A sync that fails turns into ErrStoreFailed for the producer, even when a
// consumer already answered the request: the answer is not passed on.
func TestFailedSyncFailsProducerNotResult(t *testing.T) {
	st := newGatedStore()
	b := mustStartBroker(t, teomq.BrokerConfig{Store: st})
	answered := make(chan struct{}, 1)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("num_servers", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		answered <- struct{}{}
		return []byte("too early"), nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	reqErr := make(chan error, 1)
	go func() {
		_, err := p.Request(testCtx(t), "num_servers", []byte("req"))
		reqErr <- err
	}()
	recv(t, answered, "the consumer's answer")
	st.gate <- errors.New("disk gone")
	if err := recv(t, reqErr, "the request's outcome"); !errors.Is(err, teomq.ErrStoreFailed) {
		t.Fatalf("Request after a failed sync = %v, want ErrStoreFailed", err)
	}
	if err := b.Health(); err == nil {
		t.Fatal("Health after a failed sync = nil, want the store error")
	}
	st.openGate()
}

// recordingStore counts the acks written to it.
type recordingStore struct {
	store.Store
	acks atomic.Int64
}

func (s *recordingStore) Write(ops []store.Op, sync bool) error {
	for _, op := range ops {
		if op.Kind == store.KindAck {
			s.acks.Add(1)
		}
	}
	return s.Store.Write(ops, sync)
}

// An ack is written to the store soon even when no publish follows for it
// to ride with.
func TestAckWrittenWithoutLaterPublish(t *testing.T) {
	st := &recordingStore{Store: store.NewMemory()}
	b := mustStartBroker(t, teomq.BrokerConfig{Store: st})
	c := mustConnect(t, b)
	if _, err := c.Subscribe("num_servers", echo); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	if _, err := p.Request(testCtx(t), "num_servers", []byte("1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ack in the store", func() bool { return st.acks.Load() > 0 })
}
