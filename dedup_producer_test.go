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

// The attack of TestReusedIDOfAQueuedMessageIsRefused on a message that
// waits in the store, past the window, where the broker holds no ID: the
// other producer's message is taken, and neither is lost. The first
// waits in the store until the other is done, then comes too.
func TestReusedIDOfAStoredMessageLosesNothing(t *testing.T) {
	const window, n, reused = 4, 12, 8
	b := mustStartBroker(t, teomq.BrokerConfig{Durability: teomq.DurabilityInterval, DataDir: t.TempDir(), Window: window})
	alice, mallory := mustConnect(t, b), mustConnect(t, b)
	ctx := testCtx(t)
	var id teomq.MessageID
	for i := range n {
		mid := teomq.MessageID(mustUUID(t))
		if i == reused {
			id = mid
		}
		if _, err := alice.Send(ctx, "later", fmt.Appendf(nil, "alice's %d", i), teomq.WithID(mid)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mallory.Send(ctx, "other", []byte("mallory's"), teomq.WithID(id)); err != nil {
		t.Fatalf("reuse of a stored message's ID: %v, want it taken", err)
	}
	got := make(chan string, 2*n)
	handler := func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}
	if _, err := mustConnect(t, b).Subscribe("later", handler); err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for range n - 1 {
		seen[recv(t, got, "alice's messages")] = true
	}
	if seen[fmt.Sprintf("alice's %d", reused)] {
		t.Fatalf("alice's message %d, whose ID mallory's holds, was delivered first", reused)
	}
	// The answers of the others come in; alice's message waits, counted.
	waitFor(t, "later to hold one message", func() bool { return b.QueueLen("later") == 1 })
	select {
	case v := <-got:
		t.Fatalf("%q delivered while mallory's message holds its ID", v)
	default:
	}
	if _, err := mustConnect(t, b).Subscribe("other", handler); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		seen[recv(t, got, "mallory's message, then alice's last")] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("alice's %d", i)] {
			t.Fatalf("alice's message %d lost; got %v", i, seen)
		}
	}
	if !seen["mallory's"] {
		t.Fatalf("mallory's message lost; got %v", seen)
	}
}
