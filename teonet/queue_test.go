package teonet_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// TestQueueAppendWaitsForFlush queues frames with the writer goroutine held:
// nothing goes out until Flush, which writes them all, in order, itself.
func TestQueueAppendWaitsForFlush(t *testing.T) {
	a, b := pair(t)
	release := teonet.HoldWriter(a)
	t.Cleanup(release)
	waitWriteIdle(t, a)
	const count = 50
	for i := range count {
		want := payload(uint64(i), 10+i)
		if err := a.QueueAppend(func(dst []byte) []byte { return append(dst, want...) }); err != nil {
			t.Fatalf("QueueAppend %d: %v", i, err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	for i := range count {
		got, err := recvWithin(t, b, testTimeout)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if want := payload(uint64(i), 10+i); !bytes.Equal(got, want) {
			t.Fatalf("frame %d out of order or damaged", i)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatalf("Flush of an empty queue: %v", err)
	}
	a.Close()
	if err := a.QueueAppend(func(dst []byte) []byte { return append(dst, 1) }); !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("QueueAppend after Close: %v, want ErrClosed", err)
	}
	if err := a.Flush(); !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("Flush after Close: %v, want ErrClosed", err)
	}
}

// TestQueueAppendDropsASlowPeer fills the queue past its high-water mark
// without flushing: QueueAppend closes the channel instead of waiting.
func TestQueueAppendDropsASlowPeer(t *testing.T) {
	a, _ := pair(t)
	frame := make([]byte, 4<<20-64)
	var err error
	for range 40 {
		if err = a.QueueAppend(func(dst []byte) []byte { return append(dst, frame...) }); err != nil {
			break
		}
	}
	if !errors.Is(err, teonet.ErrSlowPeer) || !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("QueueAppend past the limit: %v, want ErrSlowPeer and ErrClosed", err)
	}
	select {
	case <-a.Done():
	case <-time.After(testTimeout):
		t.Fatal("channel still open after ErrSlowPeer")
	}
}
