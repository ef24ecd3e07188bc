package clustertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/teonet-go/teomq"
	_ "github.com/teonet-go/teomq/cluster" // the JetStream engine
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// testLogger discards logs unless TEOMQ_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TEOMQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// prefixSeq makes each test's ClusterPrefix its own.
var prefixSeq atomic.Int64

// teomqCluster is a NATS JetStream cluster with teomq brokers in cluster
// mode on it, all under one ClusterPrefix. Its methods are called from the
// test's goroutine; brokers close when the test ends, before the NATS
// nodes stop.
type teomqCluster struct {
	t       testing.TB
	nats    *natsCluster
	cfg     teomq.BrokerConfig
	brokers []*teomq.Broker
}

// startCluster starts a 3-node NATS cluster and n teomq brokers on it, each
// with cfg plus its own identity, config dir and 127.0.0.1:0 listener.
func startCluster(t testing.TB, n int, cfg teomq.BrokerConfig) *teomqCluster {
	t.Helper()
	tc := &teomqCluster{t: t, nats: startNATSCluster(t, 3), cfg: cfg}
	tc.cfg.Cluster = tc.nats.URLs()
	if tc.cfg.ClusterPrefix == "" {
		tc.cfg.ClusterPrefix = fmt.Sprintf("T%d", prefixSeq.Add(1))
	}
	if tc.cfg.Logger == nil {
		tc.cfg.Logger = testLogger()
	}
	for range n {
		tc.addBroker()
	}
	return tc
}

// addBroker starts one more broker on the cluster and returns it.
func (tc *teomqCluster) addBroker() *teomq.Broker {
	tc.t.Helper()
	cfg := tc.cfg
	cfg.Name = fmt.Sprintf("broker-%d", len(tc.brokers)+1)
	cfg.ConfigDir = tc.t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	b, err := teomq.NewBroker(cfg)
	if err != nil {
		tc.t.Fatalf("NewBroker in cluster mode: %v", err)
	}
	tc.t.Cleanup(func() { b.Close() })
	tc.brokers = append(tc.brokers, b)
	return b
}

// msgsStream is the name of the stream that holds the commands' messages,
// as docs/cluster.md names it for operators.
func (tc *teomqCluster) msgsStream() string { return tc.cfg.ClusterPrefix + "_MSGS" }

// endpoints joins the endpoints of the brokers at idx, in that order, into
// the list Connect takes: the client uses the first and fails over to the
// next.
func (tc *teomqCluster) endpoints(idx ...int) string {
	eps := make([]string, len(idx))
	for i, k := range idx {
		eps[i] = tc.brokers[k].Endpoint()
	}
	return strings.Join(eps, ",")
}

// clientSeq makes client names unique.
var clientSeq atomic.Int64

// connect connects a client with a fresh identity to the brokers at idx
// (see endpoints); closed when the test ends.
func (tc *teomqCluster) connect(idx []int, opts ...teomq.Option) *teomq.Client {
	tc.t.Helper()
	name := fmt.Sprintf("client-%d", clientSeq.Add(1))
	return tc.connectAs(name, tc.t.TempDir(), idx, opts...)
}

// connectAs connects a client with the identity name in dir to the
// brokers at idx: the same name and dir give the same producer, wherever
// it connects.
func (tc *teomqCluster) connectAs(name, dir string, idx []int, opts ...teomq.Option) *teomq.Client {
	tc.t.Helper()
	all := append([]teomq.Option{teomq.WithName(name), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger())}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := teomq.Connect(ctx, tc.endpoints(idx...), all...)
	if err != nil {
		tc.t.Fatalf("Connect to %v: %v", idx, err)
	}
	tc.t.Cleanup(func() { c.Close() })
	return c
}

// on is shorthand for the list of broker indexes a client connects to.
func on(idx ...int) []int { return idx }

// testCtx is a context bounded for one test step.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recv waits up to 10 s for one value from ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// noRecv checks that nothing arrives on ch for d.
func noRecv[T any](t testing.TB, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(d):
	}
}

// newID makes a fresh message ID.
func newID(t testing.TB) teomq.MessageID {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// rawPeer dials b with a Teonet node of its own, to speak the wire
// protocol directly; both close when the test ends.
func rawPeer(t testing.TB, b *teomq.Broker) *teonet.Channel {
	t.Helper()
	n, err := teonet.New(teonet.Config{Name: "raw", ConfigDir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ch, err := n.Dial(testCtx(t), b.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

// nextFrame reads frames from ch until one of type want arrives; after
// 10 s it closes ch, which ends the wait.
func nextFrame(t testing.TB, ch *teonet.Channel, want wire.Type) wire.Frame {
	t.Helper()
	bound := time.AfterFunc(10*time.Second, func() { ch.Close() })
	defer bound.Stop()
	for {
		b, err := ch.Recv()
		if err != nil {
			t.Fatalf("waiting for frame type %d: %v", want, err)
		}
		f, err := wire.Decode(b)
		if err != nil {
			t.Fatalf("broker sent a frame that does not decode: %v", err)
		}
		if f.Type() == want {
			return f
		}
	}
}

// collect subscribes c to command's default group with a handler that
// passes each message's data to the returned channel, which holds up to
// capacity of them.
func collect(t testing.TB, c *teomq.Client, command string, capacity int) <-chan string {
	t.Helper()
	got := make(chan string, capacity)
	if _, err := c.Subscribe(command, func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}
