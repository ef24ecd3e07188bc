package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Sizes and bounds of the embedded JetStream cluster.
const (
	clusterNodes = 3
	// clusterReadyTimeout bounds the wait for a meta leader and for a
	// first R3 stream.
	clusterReadyTimeout = 30 * time.Second
	// cpuLabel is the pprof label that tells the CPU of the parts of a
	// run apart in a -cpuprofile (go tool pprof -tags).
	cpuLabel = "part"
)

// natsCluster is a 3-node JetStream cluster embedded in the process, on
// 127.0.0.1: random client ports, free cluster ports routed to each other,
// file stores in a temporary directory, the servers' default sync
// interval. Its goroutines carry the pprof label part=nats. Close stops it;
// its methods are safe for concurrent use.
//
// With nodes nil it stands for a cluster running elsewhere (-nats-cluster):
// only its URLs are known, and Close leaves it running.
type natsCluster struct {
	dir   string
	nodes []*server.Server
	urls  []string
}

// startNATSCluster starts the nodes and returns once a meta leader is
// elected and an R3 stream can be created.
func startNATSCluster(ctx context.Context) (*natsCluster, error) {
	dir, err := os.MkdirTemp("", "teomq-bench-cluster-")
	if err != nil {
		return nil, err
	}
	c := &natsCluster{dir: dir}
	if err := c.start(); err != nil {
		c.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, clusterReadyTimeout)
	defer cancel()
	if err := c.waitReady(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// start starts every node with routes to all of them.
func (c *natsCluster) start() error {
	ports, err := freePorts(clusterNodes)
	if err != nil {
		return err
	}
	routes := make([]string, len(ports))
	for i, p := range ports {
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", p)
	}
	var startErr error
	pprof.Do(context.Background(), pprof.Labels(cpuLabel, "nats"), func(context.Context) {
		for i, p := range ports {
			ns, err := startClusterNode(i, p, routes, filepath.Join(c.dir, fmt.Sprint(i)))
			if err != nil {
				startErr = err
				return
			}
			c.nodes = append(c.nodes, ns)
			c.urls = append(c.urls, ns.ClientURL())
		}
	})
	return startErr
}

// startClusterNode starts node i, its cluster listener on port.
func startClusterNode(i, port int, routes []string, storeDir string) (*server.Server, error) {
	opts := &server.Options{
		ServerName: fmt.Sprintf("n%d", i),
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   storeDir,
		Cluster:    server.ClusterOpts{Name: "bench", Host: "127.0.0.1", Port: port},
		Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		NoLog:      true,
		NoSigs:     true,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats-server n%d: %w", i, err)
	}
	ns.Start()
	if !ns.ReadyForConnections(natsReadyTimeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("nats-server n%d: %w after %v", i, errNotReady, natsReadyTimeout)
	}
	return ns, nil
}

// freePorts returns n ports free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitReady waits for a meta leader, then creates and deletes an R3
// stream, retrying while the cluster is still forming.
func (c *natsCluster) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !c.hasMetaLeader() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("jetstream cluster: no meta leader: %w", errNotReady)
		}
	}
	nc, js, err := c.dial(0)
	if err != nil {
		return err
	}
	defer nc.Close()
	probe := jetstream.StreamConfig{Name: "PROBE", Subjects: []string{"probe"}, Replicas: clusterNodes, Storage: jetstream.MemoryStorage}
	for {
		_, err := js.CreateStream(ctx, probe)
		if err == nil {
			return js.DeleteStream(ctx, probe.Name)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("jetstream cluster: R3 stream: %w: %w", errNotReady, err)
		}
	}
}

func (c *natsCluster) hasMetaLeader() bool {
	for _, ns := range c.nodes {
		if ns.JetStreamIsLeader() {
			return true
		}
	}
	return false
}

// URLs returns the nodes' client URLs.
func (c *natsCluster) URLs() []string {
	return slices.Clone(c.urls)
}

// dial connects to node i (mod the node count) first, the others after.
func (c *natsCluster) dial(i int) (*nats.Conn, jetstream.JetStream, error) {
	urls := c.URLs()
	k := i % len(urls)
	urls = slices.Concat(urls[k:], urls[:k])
	nc, err := nats.Connect(strings.Join(urls, ","), nats.DontRandomize())
	if err != nil {
		return nil, nil, fmt.Errorf("nats connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// deleteStreams deletes the named streams that exist.
func (c *natsCluster) deleteStreams(ctx context.Context, names ...string) error {
	nc, js, err := c.dial(0)
	if err != nil {
		return err
	}
	defer nc.Close()
	var errs []error
	for _, name := range names {
		if err := js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			errs = append(errs, fmt.Errorf("delete stream %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Close stops the nodes and removes their stores, if it started them.
// Safe to call twice.
func (c *natsCluster) Close() error {
	if c.dir == "" {
		return nil
	}
	for _, ns := range c.nodes {
		ns.Shutdown()
	}
	for _, ns := range c.nodes {
		ns.WaitForShutdown()
	}
	c.nodes = nil
	return os.RemoveAll(c.dir)
}
