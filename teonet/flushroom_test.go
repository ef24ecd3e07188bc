package teonet_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// FlushIfRoom writes in the calling goroutine while the socket has room:
// with the writer goroutine held, queued frames still arrive.
func TestFlushIfRoomWritesInlineWhileTheSocketHasRoom(t *testing.T) {
	a, b := pair(t)
	release := teonet.HoldWriter(a)
	t.Cleanup(release)
	for i := range 10 {
		waitWriteIdle(t, a)
		want := payload(uint64(i), 200)
		if err := a.QueueAppend(func(dst []byte) []byte { return append(dst, want...) }); err != nil {
			t.Fatal(err)
		}
		if err := a.FlushIfRoom(); err != nil {
			t.Fatal(err)
		}
		got, err := recvWithin(t, b, testTimeout)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

// FlushIfRoom never waits for a peer that stopped reading: it writes
// inline only what the socket takes at once, and once the socket is full
// it leaves the frames to the writer goroutine, which delivers them when
// the peer reads again. Each flush comes once the channel is idle again,
// so that it is the one to decide whether to write inline.
func TestFlushIfRoomNeverWaitsForAStuckPeer(t *testing.T) {
	a, b := pair(t)
	frame := bytes.Repeat([]byte("x"), 64<<10)
	const frames = 200 // 12.5 MiB: more than the socket buffers hold
	stuck := false
	for i := range frames {
		if err := a.QueueAppend(func(dst []byte) []byte { return append(dst, frame...) }); err != nil {
			t.Fatal(err)
		}
		returned := make(chan error, 1)
		go func() { returned <- a.FlushIfRoom() }() // owned by the test: ends with the flush
		select {
		case err := <-returned:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("FlushIfRoom %d waited for a peer that does not read", i)
		}
		// Idle again, unless the writer goroutine is stuck on the full
		// socket: then the later flushes only queue.
		deadline := time.Now().Add(50 * time.Millisecond)
		for !stuck && !teonet.WriteIdle(a) {
			if time.Now().After(deadline) {
				stuck = true
			}
			time.Sleep(time.Millisecond)
		}
	}
	if !stuck {
		t.Fatal("the writer never got stuck: the socket took everything")
	}
	for i := range frames {
		if _, err := recvWithin(t, b, testTimeout); err != nil {
			t.Fatalf("Recv %d once the peer reads: %v", i, err)
		}
	}
}
