package teonet_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// eventLog collects a redialer's events for the test to wait on.
type eventLog chan teonet.Event

func (e eventLog) onEvent(ev teonet.Event) {
	select {
	case e <- ev:
	default: // the test reads what it waits for; drop the rest
	}
}

// next returns the next event of kind, skipping others.
func (e eventLog) next(t *testing.T, kind teonet.EventKind) teonet.Event {
	t.Helper()
	timeout := time.After(testTimeout)
	for {
		select {
		case ev := <-e:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event", kind)
		}
	}
}

// echoServe is a Serve that echoes every frame back.
func echoServe(served chan<- *teonet.Channel) func(context.Context, *teonet.Channel) {
	return func(_ context.Context, ch *teonet.Channel) {
		served <- ch
		for {
			p, err := ch.Recv()
			if err != nil {
				return
			}
			if ch.Send(p) != nil {
				return
			}
		}
	}
}

// pingOnAccept sends one frame on every channel l accepts and reports the
// echo, until l closes.
func pingOnAccept(t *testing.T, l *teonet.Listener) <-chan string {
	t.Helper()
	echoes := make(chan string, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Send([]byte("ping"))
				if p, err := c.Recv(); err == nil {
					echoes <- string(p)
				}
				c.Recv() // until closed
			}()
		}
	}()
	return echoes
}

// TestRedialerReconnects restarts the peer (same identity, same port):
// the redialer reports the disconnect, reconnects and serves again.
func TestRedialerReconnects(t *testing.T) {
	dir := t.TempDir()
	server := newNode(t, dir, "server")
	l := listen(t, server)
	endpoint := l.Endpoint()
	echoes := pingOnAccept(t, l)

	client := newNode(t, dir, "client")
	events := make(eventLog, 64)
	served := make(chan *teonet.Channel, 4)
	r := client.Redial(teonet.RedialConfig{
		Targets:    []string{endpoint},
		Serve:      echoServe(served),
		OnEvent:    events.onEvent,
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond,
	})
	t.Cleanup(func() { r.Close() })

	if ev := events.next(t, teonet.EventConnected); ev.Peer != server.Address() || ev.Attempt != 1 {
		t.Fatalf("first connect %+v, want peer %s, attempt 1", ev, server.Address())
	}
	first := <-served
	expectEcho(t, echoes)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if c, err := r.WaitConnected(ctx); err != nil || c != first || r.Current() != first {
		t.Fatalf("WaitConnected = %p, %v; Current %p; want %p", c, err, r.Current(), first)
	}

	// Restart the server: same identity, same port.
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	if ev := events.next(t, teonet.EventDisconnected); !errors.Is(ev.Err, teonet.ErrPeerClosed) {
		t.Fatalf("disconnect cause %v, want ErrPeerClosed", ev.Err)
	}
	server = newNode(t, dir, "server")
	l2, err := server.Listen(hostPort(l))
	if err != nil {
		t.Fatalf("relisten on %s: %v", hostPort(l), err)
	}
	t.Cleanup(func() { l2.Close() })
	echoes = pingOnAccept(t, l2)

	events.next(t, teonet.EventConnected)
	second := <-served
	if second == first {
		t.Fatal("Serve got the old channel again")
	}
	expectEcho(t, echoes)
	if c, err := r.WaitConnected(ctx); err != nil || c != second {
		t.Fatalf("WaitConnected after reconnect = %p, %v; want %p", c, err, second)
	}
}

func expectEcho(t *testing.T, echoes <-chan string) {
	t.Helper()
	select {
	case s := <-echoes:
		if s != "ping" {
			t.Fatalf("echo %q, want ping", s)
		}
	case <-time.After(testTimeout):
		t.Fatal("no echo through the redialer's channel")
	}
}

// TestRedialerBacksOffWhilePeerDown: with nothing listening, dials fail
// with growing attempt numbers and WaitConnected waits; once the peer
// listens, the redialer connects.
func TestRedialerBacksOffWhilePeerDown(t *testing.T) {
	dir := t.TempDir()
	server := newNode(t, dir, "server")
	hostport := freePort(t)
	client := newNode(t, dir, "client")
	events := make(eventLog, 64)
	r := client.Redial(teonet.RedialConfig{
		Targets:    []string{server.Address() + "@" + hostport},
		OnEvent:    events.onEvent,
		MinBackoff: time.Millisecond,
		MaxBackoff: 20 * time.Millisecond,
	})
	t.Cleanup(func() { r.Close() })
	for want := 1; want <= 3; want++ {
		ev := events.next(t, teonet.EventDialFailed)
		if ev.Attempt != want || ev.Err == nil || ev.Peer != server.Address() {
			t.Fatalf("failure %+v, want attempt %d with an error", ev, want)
		}
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.WaitConnected(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitConnected while down: %v, want DeadlineExceeded", err)
	}
	if r.Current() != nil {
		t.Fatal("Current is set while down")
	}

	l, err := server.Listen(hostport)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	pingOnAccept(t, l)
	ctx, cancel2 := context.WithTimeout(context.Background(), testTimeout)
	defer cancel2()
	c, err := r.WaitConnected(ctx)
	if err != nil || c.PeerAddress() != server.Address() {
		t.Fatalf("WaitConnected = %v, %v", c, err)
	}
}

// freePort returns a loopback host:port that nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostport := ln.Addr().String()
	ln.Close()
	return hostport
}

// TestRedialerClose closes a connected redialer: Serve's context ends, its
// channel closes, and the redialer stays closed.
func TestRedialerClose(t *testing.T) {
	dir := t.TempDir()
	server, client := newNode(t, dir, "server"), newNode(t, dir, "client")
	l := listen(t, server)
	pingOnAccept(t, l)
	serveDone := make(chan error, 1)
	r := client.Redial(teonet.RedialConfig{
		Targets: []string{l.Endpoint()},
		Serve: func(ctx context.Context, ch *teonet.Channel) {
			for {
				if _, err := ch.Recv(); err != nil {
					break
				}
			}
			serveDone <- ctx.Err()
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := r.WaitConnected(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case err := <-serveDone:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve's context: %v, want canceled", err)
		}
	default:
		t.Fatal("Close returned before Serve")
	}
	if !errors.Is(c.Err(), teonet.ErrClosed) {
		t.Fatalf("channel Err = %v, want ErrClosed", c.Err())
	}
	if _, err := r.WaitConnected(ctx); !errors.Is(err, teonet.ErrRedialerClosed) {
		t.Fatalf("WaitConnected after Close: %v, want ErrRedialerClosed", err)
	}
	if r.Current() != nil {
		t.Fatal("Current after Close is not nil")
	}
}

func TestRedialerBadTarget(t *testing.T) {
	client := newNode(t, t.TempDir(), "client")
	events := make(eventLog, 4)
	r := client.Redial(teonet.RedialConfig{Targets: []string{"not-an-address"}, OnEvent: events.onEvent})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := r.WaitConnected(ctx); !errors.Is(err, teonet.ErrBadAddress) {
		t.Fatalf("WaitConnected: %v, want ErrBadAddress", err)
	}
	if ev := events.next(t, teonet.EventDialFailed); !errors.Is(ev.Err, teonet.ErrBadAddress) {
		t.Fatalf("event %+v, want a failure with ErrBadAddress", ev)
	}
}

// TestRedialerFailsOver gives the redialer two servers: it serves on the
// first, moves to the second when the first goes away, without a backoff,
// and reports each target it reached.
func TestRedialerFailsOver(t *testing.T) {
	dir := t.TempDir()
	first := newNode(t, dir, "first")
	l1 := listen(t, first)
	echoes1 := pingOnAccept(t, l1)
	second := newNode(t, dir, "second")
	l2 := listen(t, second)
	echoes2 := pingOnAccept(t, l2)

	client := newNode(t, dir, "client")
	events := make(eventLog, 64)
	served := make(chan *teonet.Channel, 4)
	r := client.Redial(teonet.RedialConfig{
		Targets:    []string{l1.Endpoint(), l2.Endpoint()},
		Serve:      echoServe(served),
		OnEvent:    events.onEvent,
		MinBackoff: time.Hour, // a backoff would stall the test: failing over must not wait
		MaxBackoff: time.Hour,
	})
	t.Cleanup(func() { r.Close() })

	if ev := events.next(t, teonet.EventConnected); ev.Peer != first.Address() || ev.Target != l1.Endpoint() {
		t.Fatalf("first connect %+v, want %s", ev, l1.Endpoint())
	}
	<-served
	expectEcho(t, echoes1)

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	events.next(t, teonet.EventDisconnected)
	if ev := events.next(t, teonet.EventConnected); ev.Peer != second.Address() || ev.Target != l2.Endpoint() {
		t.Fatalf("after the first server left, connected %+v, want %s", ev, l2.Endpoint())
	}
	<-served
	expectEcho(t, echoes2)
}

// TestRedialerSkipsDeadTarget lists a target nobody listens on first: the
// redialer reaches the second without waiting a backoff.
func TestRedialerSkipsDeadTarget(t *testing.T) {
	dir := t.TempDir()
	gone := newNode(t, dir, "gone")
	lg := listen(t, gone)
	dead := lg.Endpoint()
	if err := gone.Close(); err != nil {
		t.Fatal(err)
	}
	live := newNode(t, dir, "live")
	l := listen(t, live)
	pingOnAccept(t, l)

	client := newNode(t, dir, "client")
	events := make(eventLog, 64)
	r := client.Redial(teonet.RedialConfig{
		Targets:    []string{dead, l.Endpoint()},
		OnEvent:    events.onEvent,
		MinBackoff: time.Hour,
		MaxBackoff: time.Hour,
	})
	t.Cleanup(func() { r.Close() })
	if ev := events.next(t, teonet.EventDialFailed); ev.Target != dead {
		t.Fatalf("failed dial %+v, want one of %s", ev, dead)
	}
	if ev := events.next(t, teonet.EventConnected); ev.Peer != live.Address() {
		t.Fatalf("connected %+v, want %s", ev, live.Address())
	}
}

// TestRedialerNoTargets refuses a config without targets.
func TestRedialerNoTargets(t *testing.T) {
	client := newNode(t, t.TempDir(), "client")
	r := client.Redial(teonet.RedialConfig{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := r.WaitConnected(ctx); !errors.Is(err, teonet.ErrBadTarget) {
		t.Fatalf("WaitConnected: %v, want ErrBadTarget", err)
	}
}
