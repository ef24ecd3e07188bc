package teomq_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// fakeBroker listens like a broker but speaks frames by hand, so a test
// decides what reaches the client and when: frames past a subscription's
// credit, a SubAck that never comes, a connection cut mid-subscribe.
type fakeBroker struct {
	ln       *teonet.Listener
	accepted chan *teonet.Channel // greeted channels, for accept
}

// startFakeBroker listens on 127.0.0.1:0 until the test ends.
func startFakeBroker(t *testing.T) *fakeBroker {
	t.Helper()
	n, err := teonet.New(teonet.Config{Name: "fake-broker", ConfigDir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ln, err := n.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeBroker{ln: ln, accepted: make(chan *teonet.Channel, 8)}
	done := make(chan struct{})
	go func() { // owned by the test: ends when the listener closes at cleanup
		defer close(done)
		for {
			ch, err := ln.Accept()
			if err != nil {
				return
			}
			// A broker greets each client with its limits first.
			_ = ch.SendAppend((&wire.Info{MaxMessageSize: 1 << 20}).AppendTo)
			f.accepted <- ch
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return f
}

// endpoint is the "ADDRESS@host:port" clients connect to.
func (f *fakeBroker) endpoint() string { return f.ln.Endpoint() }

// accept waits for the next client channel, closed when the test ends.
func (f *fakeBroker) accept(t *testing.T) *teonet.Channel {
	t.Helper()
	ch := recv(t, f.accepted, "a client connection")
	t.Cleanup(func() { ch.Close() })
	return ch
}

// send writes frame to ch.
func send(t *testing.T, ch *teonet.Channel, frame wire.Frame) {
	t.Helper()
	if err := ch.SendAppend(frame.AppendTo); err != nil {
		t.Fatalf("send %T: %v", frame, err)
	}
}

// ackSubscribe answers the next Subscribe on ch with code and returns it.
func ackSubscribe(t *testing.T, ch *teonet.Channel, code wire.Code) *wire.Subscribe {
	t.Helper()
	sub := expectFrame(t, ch, wire.TypeSubscribe).(*wire.Subscribe)
	send(t, ch, &wire.SubAck{SubID: sub.SubID, Code: code})
	return sub
}

// expectFrame reads frames from ch until one of type want arrives. Unlike
// nextFrame it also ends when nothing arrives: it closes ch after 10 s.
func expectFrame(t *testing.T, ch *teonet.Channel, want wire.Type) wire.Frame {
	t.Helper()
	timer := time.AfterFunc(10*time.Second, func() { ch.Close() })
	defer timer.Stop()
	return nextFrame(t, ch, want)
}
