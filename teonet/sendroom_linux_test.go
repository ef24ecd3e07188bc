package teonet_test

import (
	"net"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

// wrappingListener wraps each accepted connection, as a listener that
// counts descriptors does; the wrapper offers the connection as NetConn.
type wrappingListener struct{ net.Listener }

type wrappedConn struct{ net.Conn }

func (c wrappedConn) NetConn() net.Conn { return c.Conn }

func (l wrappingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrappedConn{c}, nil
}

// A channel accepted through a wrapping listener still reads its socket's
// send room, so that FlushIfRoom writes inline on an idle channel.
func TestSendRoomSeenThroughWrappedConnections(t *testing.T) {
	dir := t.TempDir()
	na, nb := newNode(t, dir, "a"), newNode(t, dir, "b")
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := nb.ListenOn(wrappingListener{tcp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted := acceptAsync(l)
	a := dial(t, na, l.Endpoint())
	b := waitAccepted(t, accepted)
	if !teonet.CanSeeSendRoom(a) || !teonet.CanSeeSendRoom(b) {
		t.Fatalf("send room seen: dialed %v, accepted through a wrapper %v; want both", teonet.CanSeeSendRoom(a), teonet.CanSeeSendRoom(b))
	}
}
