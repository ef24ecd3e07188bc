package teonet_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// rawFramePeer connects to l as a hand-written TLS peer and returns its
// connection and the channel the listener accepted for it.
func rawFramePeer(t *testing.T, l *teonet.Listener) (*tls.Conn, *teonet.Channel) {
	t.Helper()
	accepted := acceptAsync(l)
	conn := dialRawTLS(t, hostPort(l), rawTLSConfig(newRawPeer(t, "").cert))
	return conn, waitAccepted(t, accepted)
}

// header is a frame header announcing n bytes of payload.
func header(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

// TestFrameTimeout reproduces the partial-frame attack: a peer that starts
// a frame and then trickles it, a byte at a time, keeps the channel busy
// (it is never silent) but is closed with ErrFrameTimeout once the frame
// has taken FrameTimeout; so is one that stalls inside a frame, long
// before the silence timeout.
func TestFrameTimeout(t *testing.T) {
	tests := []struct {
		name    string
		start   []byte // sent at once
		trickle bool   // then one byte every 20 ms
	}{
		{"large frame, trickled", append(header(1<<20), make([]byte, 100<<10)...), true},
		{"small frame, trickled", append(header(1000), 1, 2, 3), true},
		{"large frame, stalled", append(header(1<<20), make([]byte, 100<<10)...), false},
		{"partial header, stalled", header(1000)[:2], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const frameTimeout = 300 * time.Millisecond
			server := newNode(t, t.TempDir(), "server", func(c *teonet.Config) {
				c.KeepAlive = time.Minute // silence is not what ends it
				c.FrameTimeout = frameTimeout
			})
			conn, ch := rawFramePeer(t, listen(t, server))
			if _, err := conn.Write(tt.start); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			defer func() { close(stop); wg.Wait() }()
			wg.Go(func() { // the trickle; ends by stop or a write error
				if !tt.trickle {
					return
				}
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for range 500 {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if _, err := conn.Write([]byte{1}); err != nil {
						return
					}
				}
			})
			start := time.Now()
			_, err := recvWithin(t, ch, testTimeout)
			if !errors.Is(err, teonet.ErrFrameTimeout) || !errors.Is(ch.Err(), teonet.ErrFrameTimeout) {
				t.Fatalf("Recv: %v (Err %v), want ErrFrameTimeout", err, ch.Err())
			}
			if took := time.Since(start); took < frameTimeout {
				t.Fatalf("closed after %v, before the frame timeout %v", took, frameTimeout)
			}
			t.Logf("closed: %v", err)
			if n := server.FrameMemory(); n != 0 {
				t.Fatalf("closed channel still holds %d bytes of frame memory", n)
			}
		})
	}
}

// TestFrameMemoryBounded reproduces the memory side of the attack: many
// peers each start a large frame, send part of it and stall. The node's
// frame memory never passes MaxFrameMemory, the stalled channels close
// with ErrFrameTimeout and give their memory back, and a legitimate large
// frame then arrives whole.
func TestFrameMemoryBounded(t *testing.T) {
	const (
		maxFrame  = 512 << 10
		maxMemory = 1 << 20
		attackers = 16
		sent      = 200 << 10 // of each attacker's frame; needs a 256 KiB buffer
	)
	dir := t.TempDir()
	limits := func(c *teonet.Config) {
		c.MaxFrame = maxFrame
		c.MaxFrameMemory = maxMemory
		c.FrameTimeout = time.Second
	}
	server := newNode(t, dir, "server", limits)
	l := listen(t, server)

	var (
		wg   sync.WaitGroup
		errs = make(chan error, attackers)
	)
	for range attackers {
		conn, ch := rawFramePeer(t, l)
		if _, err := conn.Write(append(header(maxFrame), make([]byte, sent)...)); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { // ends when the channel closes
			_, err := ch.Recv()
			errs <- err
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	peak := 0
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-time.After(time.Millisecond):
		}
		peak = max(peak, server.FrameMemory())
	}
	close(errs)
	for err := range errs {
		if !errors.Is(err, teonet.ErrFrameTimeout) {
			t.Errorf("stalled peer's channel: %v, want ErrFrameTimeout", err)
		}
	}
	t.Logf("peak frame memory %d bytes, limit %d; %d peers would hold %d", peak, maxMemory, attackers, attackers*256<<10)
	if peak > maxMemory {
		t.Fatalf("frame memory reached %d bytes, limit %d", peak, maxMemory)
	}
	if peak < maxMemory/2 {
		t.Fatalf("frame memory peaked at %d bytes: the stalled frames were not charged", peak)
	}
	if n := server.FrameMemory(); n != 0 {
		t.Fatalf("%d bytes of frame memory held after every channel closed", n)
	}

	accepted := acceptAsync(l)
	a := dial(t, newNode(t, dir, "client", limits), l.Endpoint())
	b := waitAccepted(t, accepted)
	frame := bytes.Repeat([]byte("0123456789abcdef"), maxFrame/16)
	if err := a.Send(frame); err != nil {
		t.Fatal(err)
	}
	if p, err := recvWithin(t, b, testTimeout); err != nil || !bytes.Equal(p, frame) {
		t.Fatalf("legitimate %d-byte frame: got %d bytes, %v", len(frame), len(p), err)
	}
}

// A channel whose last frame was large holds no frame memory once it
// waits, idle, for the next one.
func TestFrameMemoryReleasedWhenIdle(t *testing.T) {
	dir := t.TempDir()
	node := newNode(t, dir, "server")
	l := listen(t, node)
	accepted := acceptAsync(l)
	a := dial(t, newNode(t, dir, "client"), l.Endpoint())
	b := waitAccepted(t, accepted)
	frame := make([]byte, 300<<10)
	if err := a.Send(frame); err != nil {
		t.Fatal(err)
	}
	if p, err := recvWithin(t, b, testTimeout); err != nil || len(p) != len(frame) {
		t.Fatalf("Recv: %d bytes, %v", len(p), err)
	}
	if node.FrameMemory() == 0 {
		t.Fatal("a large frame was read without charging frame memory")
	}
	next := make(chan error, 1)
	go func() { _, err := b.Recv(); next <- err }() // waits idle; ends at cleanup
	deadline := time.Now().Add(testTimeout)
	for node.FrameMemory() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("idle channel holds %d bytes of frame memory", node.FrameMemory())
		}
		time.Sleep(time.Millisecond)
	}
}
