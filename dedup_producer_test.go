package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
)

// TestReusedIDGetsItsOwnAnswer is the regression test of reading another
// producer's answer: a second producer that publishes the first one's
// message ID (on any command, within the dedup window) gets its own
// message handled and its own answer, never the first one's; the first
// producer's retry still gets its own.
func TestReusedIDGetsItsOwnAnswer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	c := mustConnect(t, b)
	handled := make(chan string, 10)
	var calls atomic.Int64
	for _, cmd := range []string{"secret", "whoami"} {
		if _, err := c.Subscribe(cmd, func(_ context.Context, m *teomq.Message) ([]byte, error) {
			handled <- m.From + ": " + string(m.Data)
			return fmt.Appendf(nil, "for %s: %s (call %d)", m.From, m.Data, calls.Add(1)), nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	alice, mallory := mustConnect(t, b), mustConnect(t, b)
	ctx := testCtx(t)
	id := teomq.MessageID(mustUUID(t))
	first, err := alice.Request(ctx, "secret", []byte("alice's secret"), teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	recv(t, handled, "alice's request")

	for _, cmd := range []string{"whoami", "secret"} {
		ans, err := mallory.Request(ctx, cmd, []byte("mine"), teomq.WithID(id))
		if err != nil {
			t.Fatalf("%s with a reused ID: %v", cmd, err)
		}
		if want := "for " + mallory.Address() + ": mine"; !strings.HasPrefix(string(ans.Data), want) {
			t.Fatalf("%s with a reused ID answered %q, want %q", cmd, ans.Data, want)
		}
		if got := recv(t, handled, "mallory's request"); got != mallory.Address()+": mine" {
			t.Fatalf("handled %q", got)
		}
		id = teomq.MessageID(mustUUID(t)) // the second round reuses a fresh ID of alice's
		if first, err = alice.Request(ctx, "secret", []byte("alice's secret"), teomq.WithID(id)); err != nil {
			t.Fatal(err)
		}
		recv(t, handled, "alice's request")
	}

	// Alice's retry gets her own cached answer: that of the same call.
	again, err := alice.Request(ctx, "secret", []byte("alice's secret"), teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Data) != string(first.Data) {
		t.Fatalf("alice's retry answered %q, want %q", again.Data, first.Data)
	}

	// A send reusing alice's ID is mallory's own message: stored and handled.
	if _, err := mallory.Send(ctx, "secret", []byte("sent"), teomq.WithID(id)); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, handled, "mallory's send"); got != mallory.Address()+": sent" {
		t.Fatalf("handled %q", got)
	}
}

// TestReusedIDOfAQueuedMessageIsRefused checks that while a producer's
// message waits in the queue, another producer publishing its ID gets
// ErrIDInUse, and the first message is still handled and answered.
func TestReusedIDOfAQueuedMessageIsRefused(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	alice, mallory := mustConnect(t, b), mustConnect(t, b)
	ctx := testCtx(t)
	id := teomq.MessageID(mustUUID(t))
	if _, err := alice.Send(ctx, "later", []byte("alice's"), teomq.WithID(id)); err != nil {
		t.Fatal(err)
	}
	for _, request := range []bool{false, true} {
		var err error
		if request {
			_, err = mallory.Request(ctx, "later", nil, teomq.WithID(id))
		} else {
			_, err = mallory.Send(ctx, "other", nil, teomq.WithID(id))
		}
		if !errors.Is(err, teomq.ErrIDInUse) {
			t.Fatalf("reuse of a queued message's ID (request %v): %v, want ErrIDInUse", request, err)
		}
	}
	got := make(chan string, 2)
	if _, err := mustConnect(t, b).Subscribe("later", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- m.From + ": " + string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got, "alice's message"); v != alice.Address()+": alice's" {
		t.Fatalf("handled %q", v)
	}
}
