package teonet_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// pattern is the random content of test payloads.
var pattern = func() []byte {
	p := make([]byte, teonet.DefaultMaxFrame+256)
	rand.NewChaCha8([32]byte{3, 4}).Read(p)
	return p
}()

// payload returns frame i of a test stream: its index, then bytes that
// depend on it, size bytes in all (at least 8).
func payload(i uint64, size int) []byte {
	p := make([]byte, size)
	binary.BigEndian.PutUint64(p, i)
	off := int(i % 251)
	copy(p[8:], pattern[off:off+size-8])
	return p
}

// frameSizes covers the read buffer's edges, a 1 MiB frame and the limit.
var frameSizes = []int{8, 100, 4096, 64<<10 - 1, 64 << 10, 64<<10 + 1, 1 << 20, teonet.DefaultMaxFrame}

// TestChannelRoundTrip streams frames of many sizes both ways at once and
// checks each arrives whole and in order.
func TestChannelRoundTrip(t *testing.T) {
	a, b := pair(t)
	const count = 200
	sizes := make([]int, count)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range sizes {
		if i < len(frameSizes) {
			sizes[i] = frameSizes[i]
		} else {
			sizes[i] = 8 + rng.IntN(1<<rng.IntN(21)) // log-uniform up to 1 MiB
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, dir := range []struct{ from, to *teonet.Channel }{{a, b}, {b, a}} {
		wg.Go(func() {
			for i, size := range sizes {
				if err := dir.from.Send(payload(uint64(i), size)); err != nil {
					errs <- fmt.Errorf("Send %d: %w", i, err)
					return
				}
			}
		})
		wg.Go(func() {
			for i, size := range sizes {
				got, err := dir.to.Recv()
				if err != nil {
					errs <- fmt.Errorf("Recv %d: %w", i, err)
					return
				}
				if !bytes.Equal(got, payload(uint64(i), size)) {
					errs <- fmt.Errorf("frame %d: got %d bytes starting %x, want %d bytes of frame %d",
						i, len(got), got[:min(8, len(got))], size, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestChannelConcurrentSenders sends from several goroutines at once; each
// sender's frames arrive complete and in its order.
func TestChannelConcurrentSenders(t *testing.T) {
	a, b := pair(t)
	const senders, perSender = 8, 500
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range perSender {
				var err error
				appendPayload := func(dst []byte) []byte {
					return append(dst, payload(uint64(s)<<32|uint64(i), 16+i%300)...)
				}
				switch i % 3 {
				case 0:
					err = a.Send(payload(uint64(s)<<32|uint64(i), 16+i%300))
				case 1:
					err = a.SendAppend(appendPayload)
				default:
					err = a.SendAppendShared(appendPayload)
				}
				if err != nil {
					t.Errorf("sender %d: %v", s, err)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * perSender {
		p, err := b.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		id := binary.BigEndian.Uint64(p)
		s, i := int(id>>32), int(uint32(id))
		if s >= senders || i != next[s] {
			t.Fatalf("got frame %d of sender %d, want frame %d", i, s, next[min(s, senders-1)])
		}
		if !bytes.Equal(p, payload(id, 16+i%300)) {
			t.Fatalf("frame %d of sender %d corrupted", i, s)
		}
		next[s]++
	}
	wg.Wait()
}

func TestSendRejectsBadFrames(t *testing.T) {
	a, b := pair(t, func(c *teonet.Config) { c.MaxFrame = 1000 })
	tests := []struct {
		name    string
		send    func() error
		wantErr error
	}{
		{"empty Send", func() error { return a.Send(nil) }, teonet.ErrEmptyFrame},
		{"empty SendAppend", func() error { return a.SendAppend(func(dst []byte) []byte { return dst }) }, teonet.ErrEmptyFrame},
		{"Send over MaxFrame", func() error { return a.Send(make([]byte, 1001)) }, teonet.ErrFrameTooLarge},
		{"SendAppend over MaxFrame", func() error {
			return a.SendAppend(func(dst []byte) []byte { return append(dst, make([]byte, 1001)...) })
		}, teonet.ErrFrameTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.send()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			var tooLarge *teonet.FrameTooLargeError
			if errors.As(err, &tooLarge) && (tooLarge.Size != 1001 || tooLarge.Limit != 1000) {
				t.Fatalf("FrameTooLargeError %+v, want size 1001, limit 1000", tooLarge)
			}
			// Nothing was queued and the channel still works.
			if err := a.Send([]byte("next")); err != nil {
				t.Fatalf("Send after a refused frame: %v", err)
			}
			if p, err := recvWithin(t, b, testTimeout); err != nil || string(p) != "next" {
				t.Fatalf("Recv = %q, %v; want \"next\"", p, err)
			}
		})
	}
	if err := a.Send(make([]byte, 1000)); err != nil {
		t.Fatalf("Send of MaxFrame bytes: %v", err)
	}
	if p, err := recvWithin(t, b, testTimeout); err != nil || len(p) != 1000 {
		t.Fatalf("Recv = %d bytes, %v; want 1000", len(p), err)
	}
}

// TestCloseFlushesQueuedFrames closes right after sending: the peer gets
// every frame, then sees the channel closed by its peer.
func TestCloseFlushesQueuedFrames(t *testing.T) {
	a, b := pair(t)
	const count = 1000
	for i := range count {
		if err := a.Send(payload(uint64(i), 1000)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	a.Close()
	for i := range count {
		p, err := b.Recv()
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if binary.BigEndian.Uint64(p) != uint64(i) {
			t.Fatalf("frame %d out of order", i)
		}
	}
	_, err := b.Recv()
	if !errors.Is(err, teonet.ErrClosed) || !errors.Is(err, teonet.ErrPeerClosed) {
		t.Fatalf("Recv after peer Close: %v, want ErrClosed and ErrPeerClosed", err)
	}
	select {
	case <-b.Done():
	case <-time.After(testTimeout):
		t.Fatal("Done not closed after the peer closed")
	}
	if !errors.Is(b.Err(), teonet.ErrPeerClosed) {
		t.Fatalf("Err = %v, want ErrPeerClosed", b.Err())
	}
}

func TestClosedChannel(t *testing.T) {
	a, _ := pair(t)
	if a.Err() != nil {
		t.Fatalf("Err of an open channel = %v", a.Err())
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case <-a.Done():
	default:
		t.Fatal("Done not closed after Close returned")
	}
	if a.Err() != teonet.ErrClosed {
		t.Fatalf("Err = %v, want ErrClosed", a.Err())
	}
	if err := a.Send([]byte("x")); !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
	if err := a.SendAppend(func(d []byte) []byte { return append(d, 'x') }); !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("SendAppend after Close: %v, want ErrClosed", err)
	}
	if _, err := a.Recv(); !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("Recv after Close: %v, want ErrClosed", err)
	}
}

// TestCloseUnblocksRecv closes a channel while another goroutine waits in
// Recv.
func TestCloseUnblocksRecv(t *testing.T) {
	a, _ := pair(t)
	errc := make(chan error, 1)
	go func() {
		_, err := a.Recv()
		errc <- err
	}()
	a.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, teonet.ErrClosed) {
			t.Fatalf("Recv: %v, want ErrClosed", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Recv still blocked after Close")
	}
}

func TestChannelAddresses(t *testing.T) {
	dir := t.TempDir()
	na, nb := newNode(t, dir, "a"), newNode(t, dir, "b")
	l := listen(t, nb)
	accepted := acceptAsync(l)
	a := dial(t, na, l.Endpoint())
	b := waitAccepted(t, accepted)
	if a.PeerAddress() != nb.Address() || a.LocalAddress() != na.Address() {
		t.Errorf("dialer: peer %s local %s, want peer %s local %s", a.PeerAddress(), a.LocalAddress(), nb.Address(), na.Address())
	}
	if b.PeerAddress() != na.Address() || b.LocalAddress() != nb.Address() {
		t.Errorf("listener: peer %s local %s, want peer %s local %s", b.PeerAddress(), b.LocalAddress(), na.Address(), nb.Address())
	}
	if a.RemoteAddr().String() != hostPort(l) {
		t.Errorf("dialer RemoteAddr %s, want %s", a.RemoteAddr(), hostPort(l))
	}
}

// TestRecvRefusesHugeFrame has a hand-written peer announce a 3 GiB frame:
// Recv fails with the sizes, closes the channel, and allocates nothing
// like the announced size.
func TestRecvRefusesHugeFrame(t *testing.T) {
	n := newNode(t, t.TempDir(), "b")
	l := listen(t, n)
	accepted := acceptAsync(l)
	peer := newRawPeer(t, "")
	conn := dialRawTLS(t, hostPort(l), rawTLSConfig(peer.cert))
	c := waitAccepted(t, accepted)
	if c.PeerAddress() != peer.addr {
		t.Fatalf("peer address %s, want %s", c.PeerAddress(), peer.addr)
	}
	if _, err := conn.Write(append([]byte{0xC0, 0, 0, 0}, make([]byte, 64<<10)...)); err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.Recv()
	runtime.ReadMemStats(&after)

	var tooLarge *teonet.FrameTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != 3<<30 || tooLarge.Limit != teonet.DefaultMaxFrame {
		t.Fatalf("Recv: %v, want a FrameTooLargeError of 3 GiB, limit %d", err, teonet.DefaultMaxFrame)
	}
	if !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("Recv: %v, want it to match ErrClosed too", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Fatalf("allocated %d MiB while refusing the frame", alloc>>20)
	}
	select {
	case <-c.Done():
	case <-time.After(testTimeout):
		t.Fatal("channel not closed after an oversized frame")
	}
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := conn.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("peer's connection still open after the refused frame: %v", err)
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
