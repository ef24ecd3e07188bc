package teomq_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// Deliveries the broker sent before it saw Drain's credit 0 keep arriving
// while Drain waits for the running handler. Drain leaves them to the
// broker (requeued when the client closes) and does not hand them to a
// handler; the running handler's answer still goes out.
func TestDrainRefusesDeliveriesThatArriveWhileItWaits(t *testing.T) {
	fb := startFakeBroker(t)
	c := mustConnectTo(t, fb.endpoint())
	conn := fb.accept(t)

	var calls atomic.Int64
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	subscribed := make(chan error, 1)
	go func() {
		_, err := c.Subscribe("d", func(context.Context, *teomq.Message) ([]byte, error) {
			if calls.Add(1) == 1 {
				started <- struct{}{}
				<-release
			}
			return []byte("answered"), nil
		})
		subscribed <- err
	}()
	sub := ackSubscribe(t, conn, wire.CodeOK)
	if err := recv(t, subscribed, "Subscribe"); err != nil {
		t.Fatal(err)
	}
	deliver := func(n byte) error {
		return conn.SendAppend((&wire.Deliver{SubID: sub.SubID, ID: wire.ID{n}, Attempt: 1, Command: "d"}).AppendTo)
	}
	if err := deliver(1); err != nil {
		t.Fatal(err)
	}
	recv(t, started, "the first delivery")

	drained := make(chan error, 1)
	go func() { drained <- c.Drain(testCtx(t)) }()
	if cr := expectFrame(t, conn, wire.TypeCredit).(*wire.Credit); cr.N != 0 {
		t.Fatalf("Drain set credit %d, want 0", cr.N)
	}
	// Deliveries the broker had on the wire before it read the credit; the
	// client answers the Ping after it has read them all.
	for i := range 100 {
		if err := deliver(byte(2 + i)); err != nil {
			t.Fatalf("late delivery %d: %v", i, err)
		}
	}
	send(t, conn, &wire.Ping{Nonce: 7})
	expectFrame(t, conn, wire.TypePong)
	close(release)
	a := expectFrame(t, conn, wire.TypeAnswer).(*wire.Answer)
	if err := recv(t, drained, "Drain"); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want once: deliveries after Drain began reached it", n)
	}
	if a.ID != (wire.ID{1}) || string(a.Data) != "answered" {
		t.Fatalf("answer for %x %q, want the running handler's", a.ID, a.Data)
	}
	if _, err := c.Send(testCtx(t), "x", nil); !errors.Is(err, teomq.ErrClosed) {
		t.Fatalf("Send after Drain: %v, want ErrClosed", err)
	}
}
