package teonet_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// A node with SkipOversize refuses frames over its limit without closing
// the channel: Recv reports each with its first bytes, and the frames
// after it arrive, whatever the oversized frame's size.
func TestSkipOversizeKeepsTheChannel(t *testing.T) {
	const limit = 64 << 10
	dir := t.TempDir()
	sender := newNode(t, dir, "sender", func(c *teonet.Config) { c.MaxFrame = 16 << 20 })
	receiver := newNode(t, dir, "receiver", func(c *teonet.Config) { c.MaxFrame, c.SkipOversize = limit, true })
	l := listen(t, receiver)
	accepted := acceptAsync(l)
	a := dial(t, sender, l.Endpoint())
	b := waitAccepted(t, accepted)

	sizes := []int{limit + 1, 1 << 20, 16 << 20}
	sent := make(chan error, 1)
	go func() { // owned by the test: ends after its sends
		for _, size := range sizes {
			big := bytes.Repeat([]byte{'x'}, size)
			copy(big, "head of the frame")
			if err := a.Send(big); err != nil {
				sent <- err
				return
			}
			if err := a.Send([]byte("next")); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for _, size := range sizes {
		start := time.Now()
		_, err := recvWithin(t, b, testTimeout)
		var tooLarge *teonet.FrameTooLargeError
		if !errors.As(err, &tooLarge) || !tooLarge.Skipped || tooLarge.Size != int64(size) || tooLarge.Limit != limit {
			t.Fatalf("Recv of %d bytes: %v, want a skipped FrameTooLargeError", size, err)
		}
		if len(tooLarge.Head) != teonet.OversizeHeadLen || !bytes.HasPrefix(tooLarge.Head, []byte("head of the frame")) {
			t.Fatalf("head %q..., want the frame's first %d bytes", tooLarge.Head[:min(20, len(tooLarge.Head))], teonet.OversizeHeadLen)
		}
		if p, err := recvWithin(t, b, testTimeout); err != nil || string(p) != "next" {
			t.Fatalf("frame after %d bytes: %q, %v", size, p, err)
		}
		if b.Err() != nil {
			t.Fatalf("channel closed: %v", b.Err())
		}
		t.Logf("%d bytes skipped in %v", size, time.Since(start))
	}
	if err := <-sent; err != nil {
		t.Fatalf("Send: %v", err)
	}
	if mem := receiver.FrameMemory(); mem > limit {
		t.Fatalf("receiver holds %d bytes of frame memory, want at most %d", mem, limit)
	}
}
