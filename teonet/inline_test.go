package teonet_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// TestIdleSendWritesInline holds the sender's writer goroutine: frames
// sent on an idle channel still arrive, because the sending goroutine
// writes them itself. Once released, the writer goroutine delivers what
// piles up behind a write in progress.
func TestIdleSendWritesInline(t *testing.T) {
	a, b := pair(t)
	release := teonet.HoldWriter(a)
	t.Cleanup(release)
	const count = 20
	for i := range count {
		waitWriteIdle(t, a)
		want := payload(uint64(i), 100+i*50)
		var err error
		if i%2 == 0 {
			err = a.Send(want)
		} else {
			err = a.SendAppend(func(dst []byte) []byte { return append(dst, want...) })
		}
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		got, err := recvWithin(t, b, testTimeout)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d: got %d bytes starting %x, want %d bytes", i, len(got), got[:min(8, len(got))], len(want))
		}
	}

	// With the writer goroutine released, back-to-back frames arrive too.
	release()
	for i := range count {
		if err := a.Send(payload(uint64(count+i), 64)); err != nil {
			t.Fatalf("Send %d after release: %v", count+i, err)
		}
	}
	for i := range count {
		got, err := recvWithin(t, b, testTimeout)
		if err != nil {
			t.Fatalf("Recv %d after release: %v", count+i, err)
		}
		if id := binary.BigEndian.Uint64(got); id != uint64(count+i) {
			t.Fatalf("got frame %d, want %d", id, count+i)
		}
	}
}

// waitWriteIdle polls, for at most testTimeout, until a Send on c would
// write inline.
func waitWriteIdle(t *testing.T, c *teonet.Channel) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !teonet.WriteIdle(c) {
		if time.Now().After(deadline) {
			t.Fatal("channel not idle within the test timeout")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestInlineAndBatchedSendersInterleave has many goroutines send frames of
// mixed sizes in bursts, each sender waiting for its burst to be received
// before the next: the first frame of a burst often finds the channel idle
// and is written inline while others queue behind it, and long bursts are
// batched by the writer goroutine. Every frame arrives intact and in its
// sender's order.
func TestInlineAndBatchedSendersInterleave(t *testing.T) {
	a, b := pair(t)
	const senders, perSender = 16, 2000
	bursts := []int{1, 7, 50, 200}
	sizes := []int{8, 100, 300, 1000, 4096}
	size := func(s, i int) int {
		if i%251 == 0 {
			return 64<<10 + 1 // a long write, during which others queue
		}
		return sizes[(s+i)%len(sizes)]
	}
	burstEnd := func(s, i int) bool { return i%bursts[s%len(bursts)] == 0 || i == perSender-1 }

	acks := make([]chan struct{}, senders) // receiver to sender: burst received
	for s := range acks {
		acks[s] = make(chan struct{}, 1)
	}
	// On failure, stop the senders: those waiting for an ack, and by
	// closing the channel those blocked writing to it.
	var wg sync.WaitGroup
	defer wg.Wait()
	defer a.Close()
	stop := make(chan struct{})
	defer close(stop)
	errs := make(chan error, senders)
	for s := range senders {
		wg.Go(func() {
			for i := range perSender {
				p := payload(uint64(s)<<32|uint64(i), size(s, i))
				var err error
				if i%2 == 0 {
					err = a.Send(p)
				} else {
					err = a.SendAppend(func(dst []byte) []byte { return append(dst, p...) })
				}
				if err != nil {
					errs <- fmt.Errorf("sender %d frame %d: %w", s, i, err)
					return
				}
				if burstEnd(s, i) {
					select {
					case <-acks[s]:
					case <-stop:
						return
					}
				}
			}
		})
	}

	// A watchdog closes the channel if the frames take too long, which
	// ends a blocked Recv.
	watchdog := time.AfterFunc(testTimeout, func() { b.Close() })
	defer watchdog.Stop()
	next := make([]int, senders)
	for n := range senders * perSender {
		p, err := b.Recv()
		if err != nil {
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}
			t.Fatalf("Recv %d of %d: %v", n, senders*perSender, err)
		}
		id := binary.BigEndian.Uint64(p)
		s, i := int(id>>32), int(uint32(id))
		if s >= senders || i != next[s] {
			t.Fatalf("got frame %d of sender %d, want frame %d", i, s, next[min(s, senders-1)])
		}
		if !bytes.Equal(p, payload(id, size(s, i))) {
			t.Fatalf("frame %d of sender %d corrupted", i, s)
		}
		next[s]++
		if burstEnd(s, i) {
			acks[s] <- struct{}{}
		}
	}
}
