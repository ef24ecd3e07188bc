package teonet_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// A frame that takes many keepalive intervals to reach a peer that takes
// it slowly but steadily is not timed out: the write deadline bounds each
// part of a batch, not the whole batch. (A peer that takes nothing is,
// see TestPeerNotReadingTimesOutSend.)
func TestSlowSteadyPeerGetsALargeFrame(t *testing.T) {
	const (
		// The sender gives up on a peer it hears nothing from for 3 ka:
		// 750 ms, which a loaded -race run can take to schedule the
		// reader (100 ms, and 300, failed once in a dozen such runs).
		ka    = 250 * time.Millisecond
		size  = 16 << 20
		piece = 32 << 10 // read every 5 ms: a write's part takes about 40 ms, the frame over 2.5 s
	)
	peer := newRawPeer(t, "")
	got := make(chan error, 1)
	hostport := serveRawTLS(t, rawTLSConfig(peer.cert), func(conn net.Conn) {
		stop := make(chan struct{})
		defer close(stop)
		go func() { // keepalives, so that the sender's reads do not time out
			tick := time.NewTicker(ka / 4)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
						return
					}
				}
			}
		}()
		buf := make([]byte, piece)
		deadline := time.Now().Add(testTimeout)
		for n := 0; n < size+4; {
			if time.Now().After(deadline) {
				got <- errors.New("frame not read in time")
				return
			}
			k, err := io.ReadFull(conn, buf[:min(piece, size+4-n)])
			n += k
			if err != nil {
				got <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		got <- nil
	})
	client := newNode(t, t.TempDir(), "client", withKeepAlive(ka), func(c *teonet.Config) { c.MaxFrame = 2 * size })
	c := dial(t, client, peer.addr+"@"+hostport)
	go func() { // consumes the peer's keepalives
		for {
			if _, err := c.Recv(); err != nil {
				return
			}
		}
	}()
	if err := c.Send(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("peer read: %v (sender: %v)", err, c.Err())
		}
	case <-c.Done():
		t.Fatalf("channel closed while the peer was reading: %v", c.Err())
	case <-time.After(testTimeout):
		t.Fatal("frame not read")
	}
	if err := c.Err(); err != nil {
		t.Fatalf("channel closed: %v", err)
	}
}
