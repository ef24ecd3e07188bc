package teomq_test

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// stuckPeer is a raw Teonet peer of a broker, behind a proxy that can
// freeze: once frozen it still forwards what the peer sends (keepalives),
// but stops reading what the broker sends, with a small receive buffer, so
// the broker's socket to it fills up as if the peer had stopped reading.
type stuckPeer struct {
	ch *teonet.Channel

	mu     sync.Mutex // guards frozen
	frozen bool
	cond   *sync.Cond
}

// startStuckPeer connects a raw peer to b through a freezing proxy and
// subscribes it to command with credit. It is closed when the test ends.
func startStuckPeer(t testing.TB, b *teomq.Broker, command string, credit uint32) *stuckPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, target, _ := strings.Cut(b.Endpoint(), "@")
	p := &stuckPeer{}
	p.cond = sync.NewCond(&p.mu)
	var wg sync.WaitGroup
	var conns []net.Conn
	var connsMu sync.Mutex
	wg.Go(func() { // owned by the test: ends when ln closes (cleanup)
		in, err := ln.Accept()
		if err != nil {
			return
		}
		d := net.Dialer{Control: narrowSocket}
		out, err := d.Dial("tcp", target)
		if err != nil {
			in.Close()
			return
		}
		connsMu.Lock()
		conns = append(conns, in, out)
		connsMu.Unlock()
		wg.Go(func() { copyUntilError(in, out, p) })
		wg.Go(func() { copyUntilError(out, in, nil) })
	})
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.frozen = false
		p.cond.Broadcast()
		p.mu.Unlock()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	n, err := teonet.New(teonet.Config{Name: "stuck", ConfigDir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	p.ch, err = n.Dial(testCtx(t), b.Address()+"@"+ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ch.Send((&wire.Subscribe{SubID: 1, Credit: credit, Command: command}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if a := nextFrame(t, p.ch, wire.TypeSubAck).(*wire.SubAck); a.Code != wire.CodeOK {
		t.Fatalf("stuck peer's subscribe: code %v", a.Code)
	}
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
	return p
}

// wait blocks while the peer is frozen.
func (p *stuckPeer) wait() {
	p.mu.Lock()
	for p.frozen {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// copyUntilError copies src to dst; with freeze set, it stops reading src
// while freeze is frozen.
func copyUntilError(dst, src net.Conn, freeze *stuckPeer) {
	buf := make([]byte, 4<<10)
	for {
		if freeze != nil {
			freeze.wait()
		}
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}
