package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// quickly bounds how long a refusal may take: it must not wait for a
// timeout (the tests give their calls 30 s or more), with room for the
// race detector on a loaded machine.
const quickly = 10 * time.Second

// oversizes are the payload sizes of issue 16: just over the limit, over
// the transport's former 4 MiB frame limit, and far over both.
var oversizes = []int{1_200_000, 5_000_000, 50_000_000}

// A client refuses a message over the broker's limit before sending it,
// with ErrTooLarge naming the size and the limit, at once; the connection
// is untouched and the next message goes through.
func TestOversizedMessageRefusedQuickly(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	cons := mustConnect(t, b)
	if _, err := cons.Subscribe("big", echo); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	for _, size := range oversizes {
		data := make([]byte, size)
		for _, op := range []string{"send", "request"} {
			t.Run(fmt.Sprintf("%s %d bytes", op, size), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				start := time.Now()
				var err error
				if op == "send" {
					_, err = p.Send(ctx, "big", data)
				} else {
					_, err = p.Request(ctx, "big", data)
				}
				if elapsed := time.Since(start); elapsed > quickly {
					t.Fatalf("refused after %v, want at once", elapsed)
				}
				if !errors.Is(err, teomq.ErrTooLarge) {
					t.Fatalf("err %v, want ErrTooLarge", err)
				}
				want := fmt.Sprintf("teomq: message too large: %d bytes, limit %d", size, teomq.DefaultMaxMessageSize)
				if err.Error() != want {
					t.Fatalf("error %q, want %q", err, want)
				}
			})
		}
	}
	full := make([]byte, teomq.DefaultMaxMessageSize)
	if ans, err := p.Request(testCtx(t), "big", full); err != nil || len(ans.Data) != len(full) {
		t.Fatalf("a message at the limit after the refusals: %v", err)
	}
}

// MaxMessageSize is the one size setting: a broker that takes 8 MB takes a
// 5 MB message end to end (its transport, the clients'), and refuses a
// byte more with the same clear error.
func TestMaxMessageSizeIsOneSetting(t *testing.T) {
	const limit = 8_000_000
	b := mustStartBroker(t, teomq.BrokerConfig{MaxMessageSize: limit})
	cons := mustConnect(t, b)
	if _, err := cons.Subscribe("big", echo); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	for _, size := range []int{5_000_000, limit} {
		ans, err := p.Request(testCtx(t), "big", make([]byte, size))
		if err != nil || len(ans.Data) != size {
			t.Fatalf("request of %d bytes under a limit of %d: %v", size, limit, err)
		}
	}
	_, err := p.Send(testCtx(t), "big", make([]byte, limit+1))
	if !errors.Is(err, teomq.ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes, limit %d", limit+1, limit)) {
		t.Fatalf("one byte over: %v, want ErrTooLarge naming the size and the limit", err)
	}
}

func TestMaxMessageSizeHasACeiling(t *testing.T) {
	_, err := teomq.NewBroker(teomq.BrokerConfig{ConfigDir: t.TempDir(), Listen: "127.0.0.1:0",
		Durability: teomq.DurabilityMemory, MaxMessageSize: teomq.MaxMessageSizeLimit + 1, Logger: testLogger()})
	if !errors.Is(err, teomq.ErrBadConfig) || !strings.Contains(err.Error(), "MaxMessageSize") {
		t.Fatalf("NewBroker over the ceiling: %v, want ErrBadConfig naming MaxMessageSize", err)
	}
}

// bigPeer is a Teonet channel to b that may send frames of any size the
// transport allows: a client that does not know the broker's limit.
func bigPeer(t testing.TB, b *teomq.Broker) *teonet.Channel {
	t.Helper()
	return dialPeer(t, b, teonet.Config{Name: "big", MaxFrame: 64 << 20})
}

// A frame over the broker's limit that reaches it anyway (a client that
// does not check) is read past, not buffered, and refused with the
// message's size and the limit; the connection stays up and serves on.
func TestBrokerRefusesOversizedFrameAndKeepsTheConnection(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	ch := bigPeer(t, b)
	if info := nextFrame(t, ch, wire.TypeInfo).(*wire.Info); info.MaxMessageSize != teomq.DefaultMaxMessageSize {
		t.Fatalf("Info says %d, want %d", info.MaxMessageSize, teomq.DefaultMaxMessageSize)
	}
	for i, size := range oversizes {
		id := wire.ID{byte(i + 1)}
		sent := make(chan error, 1)
		go func() {
			sent <- ch.Send((&wire.Publish{ID: id, Command: "big", Data: make([]byte, size)}).AppendTo(nil))
		}()
		// Reading past 50 MB through TLS takes seconds under the race
		// detector: the confirm's code, the connection serving on and the
		// empty queue below are what say the frame was refused.
		c := nextFrame(t, ch, wire.TypeConfirm).(*wire.Confirm)
		if err := <-sent; err != nil {
			t.Fatalf("send %d bytes: %v", size, err)
		}
		want := fmt.Sprintf("%d bytes, limit %d", size, teomq.DefaultMaxMessageSize)
		if c.ID != id || c.Code != wire.CodeTooLarge || c.Message != want {
			t.Fatalf("confirm %+v, want CodeTooLarge %q for message %x", c, want, id)
		}
		if err := ch.Send((&wire.Ping{Nonce: uint64(i)}).AppendTo(nil)); err != nil {
			t.Fatal(err)
		}
		if p := nextFrame(t, ch, wire.TypePong).(*wire.Pong); p.Nonce != uint64(i) {
			t.Fatalf("pong %d, want %d", p.Nonce, i)
		}
	}
	if n := b.QueueLen("big"); n != 0 {
		t.Fatalf("QueueLen = %d: an oversized message was stored", n)
	}
}

// A consumer's answer over the limit that reaches the broker fails its
// request at once, instead of leaving it to the lease.
func TestBrokerFailsARequestWhoseAnswerIsOversized(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{MaxMessageSize: 1 << 16})
	ch := bigPeer(t, b)
	if err := ch.Send((&wire.Subscribe{SubID: 1, Credit: 1, Command: "big"}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, ch, wire.TypeSubAck)
	p := mustConnect(t, b)
	res := make(chan error, 1)
	go func() {
		_, err := p.Request(testCtx(t), "big", []byte("q"))
		res <- err
	}()
	d := nextFrame(t, ch, wire.TypeDeliver).(*wire.Deliver)
	go ch.Send((&wire.Answer{ID: d.ID, Attempt: d.Attempt, Data: make([]byte, 5_000_000)}).AppendTo(nil)) //nolint:errcheck
	err := recv(t, res, "the request's outcome")
	var remote *teomq.RemoteError
	if !errors.As(err, &remote) || !strings.Contains(remote.Message, "answer too large: 5000000 bytes, limit 65536") {
		t.Fatalf("request: %v, want a RemoteError naming the answer's size and the limit", err)
	}
}
