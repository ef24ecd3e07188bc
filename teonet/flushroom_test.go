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

// FlushIfRoom never waits for a peer that stopped reading: once the socket
// is full it returns at once and leaves the frames to the writer
// goroutine, which delivers them when the peer reads again.
func TestFlushIfRoomNeverWaitsForAStuckPeer(t *testing.T) {
	a, b := pair(t)
	frame := bytes.Repeat([]byte("x"), 64<<10)
	const frames = 400 // 25 MiB: far more than the socket buffers hold
	returned := make(chan struct{})
	go func() { // owned by the test: ends after frames flushes
		defer close(returned)
		for range frames {
			if a.QueueAppend(func(dst []byte) []byte { return append(dst, frame...) }) != nil {
				return
			}
			if a.FlushIfRoom() != nil {
				return
			}
		}
	}()
	select {
	case <-returned:
	case <-time.After(testTimeout):
		t.Fatal("FlushIfRoom waited for a peer that does not read")
	}
	for i := range frames {
		if _, err := recvWithin(t, b, testTimeout); err != nil {
			t.Fatalf("Recv %d once the peer reads: %v", i, err)
		}
	}
}
