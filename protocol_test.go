package teomq_test

import (
	"context"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// rawPeer is a Teonet channel to a broker that speaks frames by hand.
func rawPeer(t testing.TB, b *teomq.Broker) *teonet.Channel {
	t.Helper()
	return dialPeer(t, b, teonet.Config{Name: "raw"})
}

// dialPeer dials b from a node of cfg, with its own config dir and the
// test logger; both are closed when the test ends.
func dialPeer(t testing.TB, b *teomq.Broker, cfg teonet.Config) *teonet.Channel {
	t.Helper()
	cfg.ConfigDir, cfg.Logger = t.TempDir(), testLogger()
	n, err := teonet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ch, err := n.Dial(testCtx(t), b.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

// nextFrame reads frames from ch until one of type want arrives.
func nextFrame(t testing.TB, ch *teonet.Channel, want wire.Type) wire.Frame {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := ch.Recv()
		if err != nil {
			t.Fatalf("waiting for frame type %d: %v", want, err)
		}
		f, err := wire.Decode(b)
		if err != nil {
			t.Fatalf("broker sent a frame that does not decode: %v", err)
		}
		if f.Type() == want {
			return f
		}
	}
	t.Fatalf("no frame type %d", want)
	return nil
}

func TestRecoverableFramesGetErrorsAndTheConnectionKeepsServing(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	good := mustConnect(t, b)
	if _, err := good.Subscribe("ok", echo); err != nil {
		t.Fatal(err)
	}
	ch := rawPeer(t, b)
	var someID wire.ID
	someID[0] = 7
	if err := ch.Send((&wire.Answer{ID: someID, Attempt: 1}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if e := nextFrame(t, ch, wire.TypeError).(*wire.Error); e.Code != wire.CodeUnknownID || e.Fatal {
		t.Fatalf("answer for an unknown id: code %v fatal %v, want CodeUnknownID non-fatal", e.Code, e.Fatal)
	}
	// Bad names over the raw channel.
	if err := ch.Send((&wire.Publish{ID: someID, Command: ""}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if c := nextFrame(t, ch, wire.TypeConfirm).(*wire.Confirm); c.Code != wire.CodeBadCommand {
		t.Fatalf("empty command confirm code %v, want CodeBadCommand", c.Code)
	}
	if err := ch.Send((&wire.Subscribe{SubID: 1, Credit: 1, Command: "bad\x01"}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if a := nextFrame(t, ch, wire.TypeSubAck).(*wire.SubAck); a.Code != wire.CodeBadCommand {
		t.Fatalf("bad subscribe code %v, want CodeBadCommand", a.Code)
	}
	// The same channel and other clients are still served.
	if err := ch.Send((&wire.Ping{Nonce: 99}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if p := nextFrame(t, ch, wire.TypePong).(*wire.Pong); p.Nonce != 99 {
		t.Fatalf("pong nonce %d", p.Nonce)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := good.Request(ctx, "ok", []byte("still here")); err != nil {
		t.Fatalf("broker stopped serving after bad frames: %v", err)
	}
}

func TestStaleAnswerIsFenced(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{Lease: 100 * time.Millisecond})
	ch := rawPeer(t, b)
	if err := ch.Send((&wire.Subscribe{SubID: 1, Credit: 2, Command: "fence"}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, ch, wire.TypeSubAck)
	p := mustConnect(t, b)
	res := make(chan string, 1)
	go func() {
		a, err := p.Request(testCtx(t), "fence", nil)
		if err != nil {
			res <- err.Error()
			return
		}
		res <- string(a.Data)
	}()
	d1 := nextFrame(t, ch, wire.TypeDeliver).(*wire.Deliver)
	// The lease runs out: the same message comes again as attempt 2.
	d2 := nextFrame(t, ch, wire.TypeDeliver).(*wire.Deliver)
	if d2.ID != d1.ID || d2.Attempt != d1.Attempt+1 {
		t.Fatalf("redelivery %x attempt %d after %x attempt %d", d2.ID, d2.Attempt, d1.ID, d1.Attempt)
	}
	// Keep attempt 2 from expiring too while the test goes on.
	if err := ch.Send((&wire.Touch{ID: d2.ID, Attempt: d2.Attempt, Millis: 60_000}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if err := ch.Send((&wire.Answer{ID: d1.ID, Attempt: d1.Attempt, Data: []byte("stale")}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if e := nextFrame(t, ch, wire.TypeError).(*wire.Error); e.Code != wire.CodeStaleAttempt {
		t.Fatalf("stale answer: code %v, want CodeStaleAttempt", e.Code)
	}
	if err := ch.Send((&wire.Answer{ID: d2.ID, Attempt: d2.Attempt, Data: []byte("fresh")}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, res, "answer"); v != "fresh" {
		t.Fatalf("producer got %q, want the current attempt's answer", v)
	}
}
