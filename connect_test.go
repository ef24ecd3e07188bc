package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// otherVersionBroker is a Teonet endpoint that greets its peers with a
// frame of protocol version 2, as a broker of a later version would.
func otherVersionBroker(t *testing.T) string {
	t.Helper()
	n, err := teonet.New(teonet.Config{Name: "v2", ConfigDir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	l, err := n.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { // owned by the test: ends when the node closes
		for {
			ch, err := l.Accept()
			if err != nil {
				return
			}
			ch.Send([]byte{2, byte(wire.TypeInfo), 0, 0x10, 0, 0})
		}
	}()
	return l.Endpoint()
}

// Connect fails at once, with an error that says what is wrong, on what
// no retry can fix, rather than redialing until its context ends.
func TestConnectFailsFast(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{HTTP: "127.0.0.1:0"})
	_, hostport, _ := strings.Cut(b.Endpoint(), "@")
	refusing := mustStartBroker(t, teomq.BrokerConfig{})
	refusing.SetIsLocal(func(net.Addr) bool { return false })
	other := strings.Repeat("A", teonet.AddressLen)

	tests := []struct {
		name   string
		target string
		want   error
		says   string
	}{
		{"another node at the endpoint", other + "@" + hostport, teonet.ErrAddressMismatch, "peer key is " + b.Address()},
		{"the HTTP port as the endpoint", b.Address() + "@" + b.HTTPAddr().String(), teonet.ErrNotTeonet, "HTTP port"},
		{"the broker's policy refuses the client", refusing.Endpoint(), teomq.ErrForbidden, "-conf"},
		{"a broker of another protocol version", otherVersionBroker(t), teomq.ErrProtocol, "got 2, want 1"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			c, err := teomq.Connect(ctx, tc.target, teomq.WithName(fmt.Sprint("fast-", i)),
				teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger()))
			if err == nil {
				c.Close()
				t.Fatal("Connect succeeded")
			}
			if elapsed := time.Since(start); elapsed > quickly {
				t.Fatalf("Connect failed after %v, want at once: %v", elapsed, err)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Connect: %v, want %v", err, tc.want)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, tc.says) || !strings.HasPrefix(msg, "teomq: connect to ") || strings.Count(msg, "teomq:") != 1 {
				t.Fatalf("error %q: want one teomq: prefix, the target and %q", msg, tc.says)
			}
		})
	}
}
