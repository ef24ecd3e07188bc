package teomq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// A request's deadline reaches its handler's context: Deadline reports it,
// Err turns to DeadlineExceeded once it passes (whether or not Done was
// called), and Done, also of a context derived from it, closes then.
func TestHandlerContextEndsAtRequestDeadline(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	type seen struct {
		hasDeadline  bool
		left         time.Duration
		errBefore    error
		errAfterWait error // Err after the deadline passed, Done never called
		doneErr      error // Err once Done closed
		derivedErr   error // Err of a derived context once its Done closed
	}
	got := make(chan seen, 2)
	c := mustConnect(t, b)
	_, err := c.Subscribe("slow", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		var s seen
		var d time.Time
		d, s.hasDeadline = ctx.Deadline()
		s.left = time.Until(d)
		s.errBefore = ctx.Err()
		if string(m.Data) == "sleep" {
			time.Sleep(time.Until(d) + 50*time.Millisecond)
			s.errAfterWait = ctx.Err()
		} else {
			derived, cancel := context.WithCancel(ctx)
			defer cancel()
			select {
			case <-derived.Done():
				s.derivedErr = derived.Err()
			case <-time.After(5 * time.Second):
			}
			select {
			case <-ctx.Done():
				s.doneErr = ctx.Err()
			case <-time.After(time.Second):
			}
		}
		got <- s
		time.Sleep(300 * time.Millisecond) // answer after the producer gave up
		return nil, nil
	}, teomq.Concurrency(2))
	if err != nil {
		t.Fatal(err)
	}

	p := mustConnect(t, b)
	for _, data := range []string{"sleep", "wait"} {
		ctx, cancel := context.WithTimeout(testCtx(t), 400*time.Millisecond)
		_, err := p.Request(ctx, "slow", []byte(data))
		cancel()
		// The producer's context or the broker's deadline ends the request,
		// whichever comes first.
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, teomq.ErrTimeout) {
			t.Fatalf("%s: request error %v, want the deadline exceeded or ErrTimeout", data, err)
		}
		s := recv(t, got, "the handler's report")
		if !s.hasDeadline || s.left <= 0 || s.left > 400*time.Millisecond {
			t.Errorf("%s: handler deadline %v ahead (set %v), want within the request's 400ms", data, s.left, s.hasDeadline)
		}
		if s.errBefore != nil {
			t.Errorf("%s: Err before the deadline = %v, want nil", data, s.errBefore)
		}
		if data == "sleep" {
			if !errors.Is(s.errAfterWait, context.DeadlineExceeded) {
				t.Errorf("Err after the deadline = %v, want DeadlineExceeded", s.errAfterWait)
			}
			continue
		}
		if !errors.Is(s.derivedErr, context.DeadlineExceeded) {
			t.Errorf("derived context ended with %v, want DeadlineExceeded", s.derivedErr)
		}
		if !errors.Is(s.doneErr, context.DeadlineExceeded) {
			t.Errorf("Done closed with Err %v, want DeadlineExceeded", s.doneErr)
		}
	}
}

// Once its handler has returned, the context of a message with a deadline
// is done: a goroutine the handler left behind sees Err turn to Canceled
// without having called Done.
func TestHandlerContextEndsWhenHandlerReturns(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	leftover := make(chan error, 1)
	c := mustConnect(t, b)
	_, err := c.Subscribe("leave", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		go func() { // outlives the handler
			deadline := time.Now().Add(5 * time.Second)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			leftover <- ctx.Err()
		}()
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx, cancel := context.WithTimeout(testCtx(t), time.Minute) // a deadline the handler never reaches
	defer cancel()
	if _, err := p.Request(ctx, "leave", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, leftover, "the leftover goroutine's verdict"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Err after the handler returned = %v, want Canceled", err)
	}
}
