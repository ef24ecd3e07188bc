package clustertest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Bounds of the harness's waits.
const (
	// natsStartTimeout bounds how long one node may take to accept clients
	// (it recovers its JetStream store first): in a -race run beside the
	// module's other clusters a node took more than 10 s.
	natsStartTimeout = 30 * time.Second
	// natsReadyTimeout bounds how long a (re)started cluster may take to
	// elect a meta leader that sees every node as a current peer.
	natsReadyTimeout = 30 * time.Second
)

// natsGlobalAccount is the account of clients on a server without
// accounts configured, whose streams the harness inspects.
const natsGlobalAccount = "$G"

// natsCluster is an embedded JetStream cluster of in-process nats-server
// nodes on 127.0.0.1. Each node keeps its store dir and its ports for the
// test's life, so a stopped node restarts as the same peer at the same
// URL. Its methods are called from the test's goroutine only; Cleanup
// stops every node still running.
type natsCluster struct {
	t     testing.TB
	name  string
	nodes []*natsNode
}

// natsNode is one node of a natsCluster: srv is nil while it is stopped.
type natsNode struct {
	name        string
	storeDir    string
	clientPort  int // -1 until the first start picks one
	clusterPort int
	srv         *server.Server
}

// startNATSCluster starts an n-node JetStream cluster with its store dirs
// under t.TempDir() and waits until it is ready for streams of n replicas.
// The nodes' route ports are picked by the OS before the start, as every
// node needs every other's route URL; their client ports are picked by the
// OS at the first start and kept for restarts.
func startNATSCluster(t testing.TB, n int) *natsCluster {
	t.Helper()
	ports := freePorts(t, n)
	c := &natsCluster{t: t, name: fmt.Sprintf("teomq-test-%d", ports[0])}
	for i := range n {
		c.nodes = append(c.nodes, &natsNode{
			name:        fmt.Sprintf("n%d", i+1),
			storeDir:    t.TempDir(),
			clientPort:  server.RANDOM_PORT,
			clusterPort: ports[i],
		})
	}
	t.Cleanup(c.stopAll)
	c.startAll()
	return c
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment
// ago: the OS picks each, and they are released together just before use.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("pick a port: %v", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// URLs returns the nodes' client URLs, running or not, in node order.
func (c *natsCluster) URLs() []string {
	urls := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", nd.clientPort)
	}
	return urls
}

// options builds a node's server options; a fresh value for each start,
// as a server keeps and changes the one it was given.
func (c *natsCluster) options(nd *natsNode) *server.Options {
	var routes []*url.URL
	for _, other := range c.nodes {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", other.clusterPort)})
	}
	return &server.Options{
		ServerName: nd.name,
		Host:       "127.0.0.1",
		Port:       nd.clientPort,
		JetStream:  true,
		StoreDir:   nd.storeDir,
		// Small limits: the defaults reserve from the machine's memory
		// and disk, which the tests do not need.
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  1 << 30,
		Cluster: server.ClusterOpts{
			Name: c.name,
			Host: "127.0.0.1",
			Port: nd.clusterPort,
		},
		Routes: routes,
		NoLog:  os.Getenv("TEOMQ_TEST_LOG") == "",
		NoSigs: true,
	}
}

// startNode starts node i, which must be stopped, without waiting for the
// cluster.
func (c *natsCluster) startNode(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	if nd.srv != nil {
		c.t.Fatalf("nats node %s already running", nd.name)
	}
	srv, err := server.NewServer(c.options(nd))
	if err != nil {
		c.t.Fatalf("nats node %s: %v", nd.name, err)
	}
	if os.Getenv("TEOMQ_TEST_LOG") != "" {
		srv.ConfigureLogger()
	}
	srv.Start()
	if !srv.ReadyForConnections(natsStartTimeout) {
		srv.Shutdown()
		c.t.Fatalf("nats node %s not accepting clients after %v", nd.name, natsStartTimeout)
	}
	nd.srv = srv
	nd.clientPort = srv.Addr().(*net.TCPAddr).Port
}

// startAll starts every stopped node at once, as a cluster's nodes come
// up together, and waits until the cluster is ready.
func (c *natsCluster) startAll() {
	c.t.Helper()
	for i, nd := range c.nodes {
		if nd.srv == nil {
			c.startNode(i)
		}
	}
	c.waitReady()
}

// StopNode shuts node i down; a stream or meta leader on it hands its
// leadership over as it goes.
func (c *natsCluster) StopNode(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	if nd.srv == nil {
		c.t.Fatalf("nats node %s already stopped", nd.name)
	}
	nd.srv.Shutdown()
	nd.srv.WaitForShutdown()
	nd.srv = nil
}

// RestartNode starts the stopped node i again with its store dir and
// ports, and waits until the cluster is ready with it.
func (c *natsCluster) RestartNode(i int) {
	c.t.Helper()
	c.startNode(i)
	c.waitReady()
}

// StopAll shuts every running node down, together.
func (c *natsCluster) StopAll() {
	c.t.Helper()
	c.stopAll()
}

// stopAll shuts the running nodes down in parallel, so that none spends
// its shutdown waiting on the others' leadership; safe to call twice.
func (c *natsCluster) stopAll() {
	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		if nd.srv == nil {
			continue
		}
		srv := nd.srv
		nd.srv = nil
		// Owner: stopAll, which waits for it.
		wg.Go(func() {
			srv.Shutdown()
			srv.WaitForShutdown()
		})
	}
	wg.Wait()
}

// RestartAll starts every stopped node again and waits until the cluster
// is ready.
func (c *natsCluster) RestartAll() {
	c.t.Helper()
	c.startAll()
}

// waitReady waits until a running node is the meta leader and sees every
// node of the cluster as its peer, and every running node is current, and
// then until the cluster creates a stream of as many replicas as nodes:
// a meta leader may still hand over once just after it is elected, and a
// stream created meanwhile gets no answer.
func (c *natsCluster) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(natsReadyTimeout)
	for !c.ready() {
		if time.Now().After(deadline) {
			c.t.Fatalf("nats cluster not ready after %v", natsReadyTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.probe(deadline)
}

// ready reports whether the cluster is ready (see waitReady).
func (c *natsCluster) ready() bool {
	leader := false
	for _, nd := range c.nodes {
		if nd.srv == nil {
			continue
		}
		if !nd.srv.JetStreamIsCurrent() {
			return false
		}
		if nd.srv.JetStreamIsLeader() {
			leader = len(nd.srv.JetStreamClusterPeers()) == len(c.nodes)
		}
	}
	return leader
}

// waitMetaLeader waits up to d until a running node is the meta leader.
func (c *natsCluster) waitMetaLeader(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for !slices.ContainsFunc(c.nodes, func(nd *natsNode) bool { return nd.srv != nil && nd.srv.JetStreamIsLeader() }) {
		if time.Now().After(deadline) {
			c.t.Fatalf("no meta leader among the running nats nodes after %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StreamLeader returns the index of the running node that leads stream,
// or -1 when none does (no such stream, or an election under way).
func (c *natsCluster) StreamLeader(stream string) int {
	return slices.IndexFunc(c.nodes, func(nd *natsNode) bool {
		return nd.srv != nil && nd.srv.JetStreamIsStreamLeader(natsGlobalAccount, stream)
	})
}

// WaitStreamLeader waits up to d for stream to have a leader among the
// running nodes and returns its index.
func (c *natsCluster) WaitStreamLeader(stream string, d time.Duration) int {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		if i := c.StreamLeader(stream); i >= 0 {
			return i
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("stream %s has no leader after %v", stream, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
