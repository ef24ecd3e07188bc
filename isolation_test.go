package teomq_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// A consumer that stops reading its socket holds up nobody: while it is
// connected, a producer keeps getting answers on another command (through
// the durable commit path, where the broker once wrote to every peer's
// socket itself), and once its queue passes MaxPeerQueue it is dropped as
// slow and its messages go to a healthy consumer.
func TestStuckConsumerStallsNobody(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{
		Durability:   teomq.DurabilitySync,
		DataDir:      t.TempDir(),
		MaxPeerQueue: 1 << 20,
	})
	startStuckPeer(t, b, "stuck", 1000)
	p := mustConnect(t, b)
	// 400 KiB for the stuck peer, more than its socket takes, one message
	// at a time, so that each goes out in a write of its own.
	small := bytes.Repeat([]byte("x"), 1<<10)
	const first = 400
	for range first {
		if _, err := p.Send(testCtx(t), "stuck", small); err != nil {
			t.Fatal(err)
		}
	}
	h := mustConnect(t, b)
	if _, err := h.Subscribe("other", echo); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := p.Request(testCtx(t), "other", []byte("ping")); err != nil {
			t.Fatalf("request %d on another command: %v", i, err)
		}
	}
	if s := b.Stats(); s.Connections != 3 || s.SlowPeers != 0 {
		t.Fatalf("after the other command's requests: %d connections, %d slow peers dropped; want the stuck peer still connected (3, 0)", s.Connections, s.SlowPeers)
	}

	// More messages: the stuck peer's queue passes its limit and it is
	// dropped; a healthy consumer of the stuck command then gets every
	// message.
	const more = 40
	big := bytes.Repeat([]byte("x"), 64<<10)
	for range more {
		if _, err := p.Send(testCtx(t), "stuck", big); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	got := make(map[teomq.MessageID]bool)
	all := make(chan struct{})
	if _, err := h.Subscribe("stuck", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		got[m.ID] = true
		if len(got) == first+more {
			close(all)
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("healthy consumer got %d of %d messages; stats %+v", len(got), first+more, b.Stats())
	}
	if s := b.Stats(); s.SlowPeers != 1 {
		t.Fatalf("%d slow peers dropped, want 1", s.SlowPeers)
	}
}

// Close returns within about a second however many peers stopped reading:
// it closes them together.
func TestCloseWithManyStuckPeersIsPrompt(t *testing.T) {
	// A long keepalive: the peers are not timed out while the test runs.
	b := mustStartBroker(t, teomq.BrokerConfig{KeepAlive: time.Minute})
	const peers = 50
	for range peers {
		startStuckPeer(t, b, "stuck", 1000)
	}
	p := mustConnect(t, b)
	big := bytes.Repeat([]byte("x"), 64<<10)
	for range 8 * peers {
		if _, err := p.Send(testCtx(t), "stuck", big); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.Stats().InFlight; n != 8*peers {
		t.Fatalf("%d messages in flight, want %d", n, 8*peers)
	}
	start := time.Now()
	b.Close()
	// One at a time, the peers took a second each: 50 s.
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Close took %v with %d stuck peers", d, peers)
	}
}

// OnPublish runs outside the broker's lock: it may call the broker.
func TestOnPublishMayCallTheBroker(t *testing.T) {
	var b *teomq.Broker
	ready := make(chan struct{})
	lens := make(chan int, 4)
	b = mustStartBroker(t, teomq.BrokerConfig{OnPublish: func(info teomq.PublishInfo) {
		<-ready
		lens <- b.QueueLen(info.Command)
	}})
	close(ready)
	p := mustConnect(t, b)
	if _, err := p.Send(testCtx(t), "cb", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, lens, "OnPublish"); n != 1 {
		t.Fatalf("QueueLen from OnPublish = %d, want 1", n)
	}
}

// A blocked OnPublish does not hold up publishing; calls past
// MaxCallbackQueue are dropped and counted.
func TestBlockedOnPublishDoesNotStallPublishes(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int64
	b := mustStartBroker(t, teomq.BrokerConfig{MaxCallbackQueue: 4, OnPublish: func(teomq.PublishInfo) {
		calls.Add(1)
		<-release
	}})
	defer close(release)
	p := mustConnect(t, b)
	for i := range 20 {
		if _, err := p.Send(testCtx(t), "cb", []byte("x")); err != nil {
			t.Fatalf("send %d with OnPublish blocked: %v", i, err)
		}
	}
	// One call runs (blocked), four wait: the rest are dropped.
	if d := b.Stats().CallbacksDropped; d < 20-1-4 {
		t.Fatalf("%d calls dropped, want at least %d", d, 20-1-4)
	}
}

// A frame that does not decode, or that only a broker sends, gets a fatal
// error frame and ends the connection; other clients are still served.
func TestMalformedFramesAreFatal(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	good := mustConnect(t, b)
	if _, err := good.Subscribe("ok", echo); err != nil {
		t.Fatal(err)
	}
	var someID wire.ID
	someID[0] = 7
	cases := []struct {
		name  string
		frame []byte
		code  wire.Code
	}{
		{"unknown type", []byte{wire.Version, 200, 1, 2, 3}, wire.CodeUnknownType},
		{"wrong version", []byte{wire.Version + 1, byte(wire.TypePing), 0, 0, 0, 0, 0, 0, 0, 0}, wire.CodeBadVersion},
		{"truncated publish", []byte{wire.Version, byte(wire.TypePublish), 1, 2}, wire.CodeMalformed},
		{"version byte only", []byte{wire.Version}, wire.CodeMalformed},
		{"bad answer kind", (&wire.Answer{ID: someID, Attempt: 1, Kind: 99}).AppendTo(nil), wire.CodeMalformed},
		{"frame only a broker sends", (&wire.Result{ID: someID}).AppendTo(nil), wire.CodeForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := rawPeer(t, b)
			if err := ch.Send(tc.frame); err != nil {
				t.Fatal(err)
			}
			e := nextFrame(t, ch, wire.TypeError).(*wire.Error)
			if e.Code != tc.code || !e.Fatal {
				t.Fatalf("error frame code %v fatal %v, want %v fatal (%s)", e.Code, e.Fatal, tc.code, e.Message)
			}
			if f, err := ch.Recv(); err == nil {
				t.Fatalf("connection still open after a fatal error: got frame %x", f)
			}
		})
	}
	if _, err := good.Request(testCtx(t), "ok", []byte("still here")); err != nil {
		t.Fatalf("broker stopped serving after bad frames: %v", err)
	}
	if n := b.Stats().ProtocolErrors; n != int64(len(cases)) {
		t.Fatalf("Stats.ProtocolErrors = %d, want %d", n, len(cases))
	}
}

// Frames a peer may get wrong without losing its connection (an answer for
// an unknown message, bad names) get error frames, and 20,000 of them make
// a bounded number of log lines.
func TestRecoverableErrorsKeepTheConnectionAndLogRateLimited(t *testing.T) {
	logs := &lineCounter{}
	b := mustStartBroker(t, teomq.BrokerConfig{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	ch := rawPeer(t, b)
	var someID wire.ID
	someID[0] = 7
	const bad = 20_000
	errs := make(chan int, 1)
	go func() { // owned by the test: ends with the Pong or a closed channel
		n := 0
		for {
			frame, err := ch.Recv()
			if err != nil {
				errs <- -1
				return
			}
			f, err := wire.Decode(frame)
			if err != nil {
				errs <- -1
				return
			}
			switch f := f.(type) {
			case *wire.Error:
				if f.Fatal || f.Code != wire.CodeUnknownID {
					errs <- -1
					return
				}
				n++
			case *wire.Pong:
				errs <- n
				return
			}
		}
	}()
	answer := (&wire.Answer{ID: someID, Attempt: 1}).AppendTo(nil)
	for i := range bad {
		if err := ch.Send(answer); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if err := ch.Send((&wire.Ping{Nonce: 1}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, errs, "error frames and pong"); n != bad {
		t.Fatalf("%d non-fatal error frames before the pong, want %d", n, bad)
	}
	if n := logs.count(); n > 3 {
		t.Fatalf("%d log lines for %d bad frames of one peer, want at most 3", n, bad)
	}
}

// lineCounter is an io.Writer that counts lines.
type lineCounter struct {
	mu sync.Mutex
	n  int
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.n += strings.Count(string(p), "\n")
	l.mu.Unlock()
	return len(p), nil
}

func (l *lineCounter) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}
