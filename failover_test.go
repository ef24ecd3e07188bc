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
)

// connectList connects a client with a fresh identity to brokers, a
// comma-separated list.
func connectList(t *testing.T, brokers string) (*teomq.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := teomq.Connect(ctx, brokers, teomq.WithName(fmt.Sprintf("client-%d", clientSeq.Add(1))),
		teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger()))
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// A producer and a consumer given two brokers use the first; when it goes
// away both move to the second, the consumer subscribed again, and
// requests are answered there.
func TestClientFailsOverToNextBroker(t *testing.T) {
	b1 := mustStartBroker(t, teomq.BrokerConfig{})
	b2 := mustStartBroker(t, teomq.BrokerConfig{})
	list := b1.Endpoint() + ", " + b2.Endpoint()

	consumer, err := connectList(t, list)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if _, err := consumer.Subscribe("echo", echo); err != nil {
		t.Fatal(err)
	}
	producer, err := connectList(t, list)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if got := b1.Stats().Connections; got != 2 {
		t.Fatalf("first broker has %d connections, want both clients", got)
	}
	ans, err := producer.Request(testCtx(t), "echo", []byte("one"))
	if err != nil || string(ans.Data) != "one" {
		t.Fatalf("Request through the first broker: %v, %v", ans, err)
	}

	b1.Close()
	waitFor(t, "both clients and the subscription on the second broker", func() bool {
		s := b2.Stats()
		return s.Connections == 2 && s.Subscribers == 1
	})
	ans, err = producer.Request(testCtx(t), "echo", []byte("two"))
	if err != nil || string(ans.Data) != "two" {
		t.Fatalf("Request through the second broker: %v, %v", ans, err)
	}
}

// Connect with a list fails at once only when every broker refuses the
// client for good, and otherwise connects to one that does not.
func TestConnectListRefusals(t *testing.T) {
	refuse := func() *teomq.Broker {
		b := mustStartBroker(t, teomq.BrokerConfig{})
		b.SetIsLocal(func(net.Addr) bool { return false })
		return b
	}
	r1, r2 := refuse(), refuse()
	good := mustStartBroker(t, teomq.BrokerConfig{})

	start := time.Now()
	if _, err := connectList(t, r1.Endpoint()+","+r2.Endpoint()); !errors.Is(err, teomq.ErrForbidden) {
		t.Fatalf("Connect to two refusing brokers: %v, want ErrForbidden", err)
	}
	if elapsed := time.Since(start); elapsed > quickly {
		t.Fatalf("Connect failed after %v, want at once", elapsed)
	}
	if _, err := connectList(t, r1.Endpoint()+","+good.Endpoint()); err != nil {
		t.Fatalf("Connect to a refusing and a good broker: %v", err)
	}
	if got := good.Stats().Connections; got != 1 {
		t.Fatalf("good broker has %d connections, want 1", got)
	}
	if _, err := connectList(t, good.Endpoint()+",,"+r1.Endpoint()); !errors.Is(err, teonet.ErrBadTarget) {
		t.Fatalf("Connect with an empty entry: %v, want ErrBadTarget", err)
	}
}

// A Connect to brokers that do not answer ends with its ctx, and says
// which broker failed last and how.
func TestConnectListNamesTheLastFailure(t *testing.T) {
	var dead []string
	for range 2 {
		b := mustStartBroker(t, teomq.BrokerConfig{})
		dead = append(dead, b.Endpoint())
		b.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := teomq.Connect(ctx, strings.Join(dead, ","), teomq.WithName("nobody-answers"),
		teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger()))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect: %v, want the ctx's deadline", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "last dial: "+dead[0]) && !strings.Contains(msg, "last dial: "+dead[1]) {
		t.Fatalf("Connect: %q, want the last dial's broker", msg)
	}
}
