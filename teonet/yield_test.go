package teonet_test

import (
	"bytes"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

// A sender that yields before its shared write holds up no other write:
// while it is held there, frames that another goroutine queues and hands
// to the writer goroutine (FlushAsync) reach the peer, its own frame with
// them; the held sender then finds nothing left to write.
func TestYieldBeforeSharedWriteHoldsUpNoWrite(t *testing.T) {
	flushes := []struct {
		name  string
		flush func(c *teonet.Channel, frame []byte) error
	}{
		{"Flush", func(c *teonet.Channel, frame []byte) error {
			if err := c.QueueAppend(func(dst []byte) []byte { return append(dst, frame...) }); err != nil {
				return err
			}
			return c.Flush()
		}},
		{"FlushIfRoom", func(c *teonet.Channel, frame []byte) error {
			if err := c.QueueAppend(func(dst []byte) []byte { return append(dst, frame...) }); err != nil {
				return err
			}
			return c.FlushIfRoom()
		}},
		{"SendAppendShared", func(c *teonet.Channel, frame []byte) error {
			return c.SendAppendShared(func(dst []byte) []byte { return append(dst, frame...) })
		}},
	}
	for _, tt := range flushes {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pair(t)
			yielding, release := teonet.HoldYield(a)
			t.Cleanup(release)
			if tt.name == "FlushIfRoom" && !teonet.CanSeeSendRoom(a) {
				t.Fatal("the socket's send room cannot be read here: FlushIfRoom never writes inline")
			}
			waitWriteIdle(t, a)
			first, second := payload(1, 300), payload(2, 300)
			held := make(chan error, 1)
			go func() { held <- tt.flush(a, first) }() // owned by the test: ends after release
			<-yielding
			if err := a.QueueAppend(func(dst []byte) []byte { return append(dst, second...) }); err != nil {
				t.Fatal(err)
			}
			if err := a.FlushAsync(); err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]byte{first, second} {
				got, err := recvWithin(t, b, testTimeout)
				if err != nil {
					t.Fatalf("frame %d while the first sender yields: %v", i+1, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("frame %d differs", i+1)
				}
			}
			release()
			if err := <-held; err != nil {
				t.Fatalf("the held sender: %v", err)
			}
		})
	}
}
