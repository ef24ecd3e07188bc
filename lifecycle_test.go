package teomq_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

func TestEndpointReportsTheRealPort(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	addr, hostport, ok := strings.Cut(b.Endpoint(), "@")
	if !ok || addr != b.Address() || len(addr) != 35 {
		t.Fatalf("endpoint %q, address %q", b.Endpoint(), b.Address())
	}
	_, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "0" {
		t.Fatalf("endpoint %q has no real port", b.Endpoint())
	}
}

func TestConnectByBareAddressOnOneMachine(t *testing.T) {
	dir := t.TempDir()
	b := mustStartBroker(t, teomq.BrokerConfig{ConfigDir: dir})
	c, err := teomq.Connect(testCtx(t), b.Address(), teomq.WithName("bare"), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()))
	if err != nil {
		t.Fatalf("Connect(bare address): %v", err)
	}
	c.Close()
}

func TestConnectErrors(t *testing.T) {
	t.Parallel() // waits out a 2 s connect timeout; overlaps the other parallel tests only
	b := mustStartBroker(t, teomq.BrokerConfig{})
	unknown := strings.Repeat("A", 35)
	_, err := teomq.Connect(testCtx(t), unknown, teomq.WithName("x"), teomq.WithConfigDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "ADDRESS@host:port") {
		t.Fatalf("unknown bare address: %v, want advice to pass ADDRESS@host:port", err)
	}
	_, hostport, _ := strings.Cut(b.Endpoint(), "@")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = teomq.Connect(ctx, unknown+"@"+hostport, teomq.WithName("y"), teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger()))
	if err == nil || !strings.Contains(err.Error(), b.Address()) {
		t.Fatalf("wrong broker address: %v, want an address mismatch naming %s", err, b.Address())
	}
	_, err = teomq.Connect(testCtx(t), "not-an-address", teomq.WithName("z"), teomq.WithConfigDir(t.TempDir()))
	if err == nil {
		t.Fatal("malformed address accepted")
	}
}

func TestCloseIsImmediateWithAStuckHandler(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	started := make(chan struct{}, 1)
	block := make(chan struct{})
	defer close(block)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("stuck", func(context.Context, *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-block // ignores its context
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	go p.Send(testCtx(t), "stuck", nil) //nolint:errcheck
	recv(t, started, "delivery")
	done := make(chan struct{})
	go func() {
		c.Close()
		c.Close()
		close(done)
	}()
	recv(t, done, "Close to return")
	if _, err := c.Send(testCtx(t), "x", nil); !errors.Is(err, teomq.ErrClosed) {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestDrainLetsHandlersAnswer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	c := mustConnect(t, b)
	if _, err := c.Subscribe("d", func(context.Context, *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-release
		return []byte("finished"), nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	res := make(chan string, 1)
	go func() {
		a, err := p.Request(testCtx(t), "d", nil)
		if err != nil {
			res <- err.Error()
			return
		}
		res <- string(a.Data)
	}()
	recv(t, started, "delivery")
	drained := make(chan error, 1)
	go func() { drained <- c.Drain(testCtx(t)) }()
	// Drain has begun once the broker sees the consumer's credit at 0; the
	// handler is still running: Drain must wait for it.
	waitFor(t, "Drain's credit 0 at the broker", func() bool {
		list, err := p.Commands(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		return consumerCredit(list, "d") == 0
	})
	close(release)
	if err := recv(t, drained, "Drain"); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, res, "answer"); v != "finished" {
		t.Fatalf("answer %q, want the drained handler's", v)
	}
}

func TestClientReconnectsAndResubscribes(t *testing.T) {
	dir := t.TempDir()
	cfg := teomq.BrokerConfig{ConfigDir: dir, Listen: "127.0.0.1:0", Durability: teomq.DurabilityMemory, Logger: testLogger()}
	b1, err := teomq.NewBroker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	endpoint := b1.Endpoint()
	_, hostport, _ := strings.Cut(endpoint, "@")

	got := make(chan string, 4)
	c := mustConnectTo(t, endpoint)
	if _, err := c.Subscribe("r", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return m.Data, nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnectTo(t, endpoint)
	b1.Close()

	cfg.Listen = hostport
	b2, err := teomq.NewBroker(cfg)
	if err != nil {
		t.Fatalf("restart on %s: %v", hostport, err)
	}
	defer b2.Close()
	a, err := p.Request(testCtx(t), "r", []byte("after restart"))
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Data) != "after restart" || recv(t, got, "delivery") != "after restart" {
		t.Fatalf("answer %q", a.Data)
	}
}

func TestBrokerDropsASilentPeer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{KeepAlive: 100 * time.Millisecond, Lease: time.Minute})
	// A consumer behind a proxy that goes silent (half-open).
	_, hostport, _ := strings.Cut(b.Endpoint(), "@")
	proxy := startPausableProxy(t, hostport)
	var calls atomic.Int64
	started := make(chan struct{}, 2)
	c := mustConnectTo(t, b.Address()+"@"+proxy.addr(), teomq.WithKeepAlive(100*time.Millisecond))
	if _, err := c.Subscribe("hb", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		calls.Add(1)
		started <- struct{}{}
		<-ctx.Done()
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	go p.Send(testCtx(t), "hb", nil) //nolint:errcheck
	recv(t, started, "delivery")
	proxy.pause()

	second := make(chan int, 1)
	c2 := mustConnect(t, b)
	if _, err := c2.Subscribe("hb", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		second <- m.Attempt
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	// The lease is a minute: only noticing the silent peer requeues it.
	if a := recv(t, second, "redelivery after the peer went silent"); a != 2 {
		t.Fatalf("attempt %d, want 2", a)
	}
}

// mustConnectTo connects a fresh client to a broker endpoint.
func mustConnectTo(t testing.TB, endpoint string, opts ...teomq.Option) *teomq.Client {
	t.Helper()
	all := append([]teomq.Option{
		teomq.WithName("client"), teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger()),
	}, opts...)
	c, err := teomq.Connect(testCtx(t), endpoint, all...)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// consumerCredit returns the credit of command's one consumer in list, or
// -1 when the command does not have exactly one.
func consumerCredit(list teomq.CommandList, command string) int {
	var credits []int
	for _, cmd := range list.Commands {
		if cmd.Name != command {
			continue
		}
		for _, g := range cmd.Groups {
			for _, c := range g.Consumers {
				credits = append(credits, c.Credit)
			}
		}
	}
	if len(credits) != 1 {
		return -1
	}
	return credits[0]
}
