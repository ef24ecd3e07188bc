package teomq

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/internal/fdlimit"
	"github.com/teonet-go/teomq/internal/ratelog"
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// Broker accepts producers and consumers, keeps per-command queues in its
// store and routes messages and answers between them.
//
// A Broker is safe for concurrent use. Its state lives in one router guarded
// by one mutex; connection goroutines read frames and call into it, a
// commit goroutine group-commits publishes (and the store changes routing
// makes) to the store, a confirm goroutine confirms them once synced, and
// a ticker goroutine drives leases and deadlines.
type Broker struct {
	cfg   BrokerConfig
	log   *slog.Logger
	node  *teonet.Node
	ln    *teonet.Listener
	web   *webServer // HTTP listener; nil without BrokerConfig.HTTP
	store store.Store
	// cluster keeps the queues instead of router and store when
	// BrokerConfig.Cluster is set; nil otherwise.
	cluster engine.Engine

	// fds counts the descriptors of the connections on both ports.
	fds *fdlimit.Budget

	// inline is set for stores with nothing to sync: publishes are stored on
	// the connection's goroutine instead of going through the committer.
	inline bool
	// persist is unset for a store that keeps nothing (DurabilityMemory):
	// the broker then builds no store ops at all.
	persist bool
	// pipe is the store when its synced writes can overlap; nil otherwise.
	pipe    store.Pipeliner
	commitQ chan *pendingPublish
	syncing chan syncingBatch // from commitLoop to confirmLoop

	mu sync.Mutex // guards router, conns, nextConn, storeErr, storeLog, dirty, unsynced, lazy, enc
	// enc queues frames to peers without allocating.
	enc *frameEncoder
	// lazy holds the store changes that follow from routing (acks,
	// attempts, dead letters...), in order, until commitLoop writes them;
	// lazyWake tells it there are some.
	lazy     []store.Op
	lazyWake chan struct{}
	// unsynced holds the publishes whose store write is applied but not
	// synced, by message ID: their requests' results wait for the sync.
	unsynced map[router.ID]*pendingPublish
	dirty    []*brokerConn // connections with frames queued under mu
	router   *router.Router
	conns    map[router.ConnID]*brokerConn
	nextConn router.ConnID
	// storeErr is the store error that stops publishes: the sticky failure
	// or the outage under way (store.ErrStoreUnavailable).
	storeErr error
	storeLog outageLog

	// disk is the store's disk budget (BrokerConfig.MaxDisk).
	disk *diskBudget
	// fetchQ holds the reads of paged-out payloads the router asked for,
	// under mu, until fetchLoop takes them; fetchWake tells it there are
	// some. fetchLog rate-limits the log lines of failed reads.
	fetchQ    []fetchReq
	fetchWake chan struct{}
	fetchLog  ratelog.Limiter

	// notify runs OnPublish off the broker's lock; nil without OnPublish.
	notify *notifier
	// metrics counts for /metrics and the dashboard: the router's
	// Observer, and the publishes settled, under mu.
	metrics *brokerMetrics
	// started is set once the store is loaded and the peer port listens.
	started atomic.Bool
	// slowPeers counts peers dropped for not reading; protocolErrors,
	// connections closed for a bad frame; refused, actions and connections
	// the policy refused.
	slowPeers, protocolErrors, refused atomic.Int64

	policy       atomic.Pointer[policy.Policy]
	isLocal      atomic.Pointer[func(net.Addr) bool] // isLoopback; tests replace it
	refusedConns ratelog.Limiter                     // log lines about refused connections
	opsLog       ratelog.Limiter                     // log lines about operator requests done

	exit      chan struct{} // closed by Close: stops the goroutines below
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewBroker opens the broker's identity and store, restores its queues and
// starts listening. It is listening when it returns.
func NewBroker(cfg BrokerConfig) (*Broker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	fds, err := newFDBudget(cfg)
	if err != nil {
		return nil, err
	}
	node, err := teonet.New(cfg.teonetConfig())
	if err != nil {
		return nil, fmt.Errorf("teomq: broker identity: %w", err)
	}
	metrics := newBrokerMetrics(cfg.MetricsMaxCommands)
	rc := cfg.routerConfig()
	rc.Observer = metrics
	b := &Broker{
		enc:       newFrameEncoder(),
		cfg:       cfg,
		log:       cfg.Logger.With("broker", node.Address()),
		node:      node,
		fds:       fds,
		metrics:   metrics,
		router:    router.New(rc),
		conns:     make(map[router.ConnID]*brokerConn),
		commitQ:   make(chan *pendingPublish, 4096),
		syncing:   make(chan syncingBatch, maxSyncing),
		unsynced:  make(map[router.ID]*pendingPublish),
		lazyWake:  make(chan struct{}, 1),
		fetchWake: make(chan struct{}, 1),
		exit:      make(chan struct{}),
	}
	b.policy.Store(cfg.Policy)
	local := isLoopback
	b.isLocal.Store(&local)
	b.refusedConns.Every = badFrameLogInterval
	b.opsLog.Every = badFrameLogInterval
	if err := b.openStore(); err != nil {
		node.Close()
		return nil, err
	}
	if err := b.openCluster(); err != nil {
		b.store.Close()
		node.Close()
		return nil, err
	}
	b.disk = newDiskBudget(cfg, b.store, b.log)
	// HTTP first: /healthz, /readyz and /metrics answer while the store
	// loads; the WebSocket refuses peers until the broker has started.
	if err := b.startHTTP(); err != nil {
		b.store.Close()
		node.Close()
		return nil, err
	}
	if err := b.restore(); err != nil {
		b.abortStart()
		return nil, err
	}
	ln, err := b.listen()
	if err != nil {
		b.abortStart()
		return nil, err
	}
	b.ln = ln
	b.log.Info("teomq: policy in force", "policy", cfg.Policy.String())
	if cfg.OnPublish != nil {
		b.notify = startNotifier(cfg.OnPublish, cfg.MaxCallbackQueue, b.log)
	}
	b.logLimits()
	if b.disk.limit != 0 {
		b.wg.Add(1)
		go b.diskLoop() // owned by the Broker; stopped by Close
	}
	if pager, ok := b.store.(store.Pager); ok && (rc.ResidentBytes > 0 || rc.Window > 0) {
		b.wg.Add(1)
		go b.fetchLoop(pager) // owned by the Broker; stopped by Close
	}
	b.wg.Add(4)
	go b.acceptLoop()  // owned by the Broker; stopped by Close
	go b.tickLoop()    // owned by the Broker; stopped by Close
	go b.commitLoop()  // owned by the Broker; stopped by Close
	go b.confirmLoop() // owned by the Broker; ends after commitLoop
	b.started.Store(true)
	return b, nil
}

// abortStart undoes a NewBroker that failed after starting HTTP.
func (b *Broker) abortStart() {
	close(b.exit)
	b.stopHTTP()
	b.wg.Wait()
	if b.cluster != nil {
		_ = b.cluster.Close()
	}
	b.store.Close()
	b.node.Close()
}

// openStore opens the configured store.
func (b *Broker) openStore() error {
	switch {
	case b.cfg.Store != nil:
		b.store = b.cfg.Store
		_, b.inline = b.cfg.Store.(store.Volatile)
	case b.cfg.Durability == DurabilityMemory:
		// The router already holds every message in memory, and nothing
		// outlives the process: there is nothing to store.
		b.store, b.inline = discardStore{}, true
	default:
		s, err := store.OpenDisk(store.DiskConfig{
			Dir:          b.cfg.DataDir,
			Interval:     b.cfg.Durability == DurabilityInterval,
			SyncInterval: b.cfg.SyncInterval,
			SyncDelay:    b.cfg.SyncDelay,
			Logger:       b.cfg.Logger,
			OnHealth:     b.followStore,
		})
		if err != nil {
			return fmt.Errorf("teomq: open store in %s: %w", b.cfg.DataDir, err)
		}
		b.store = s
	}
	_, discard := b.store.(discardStore)
	b.persist = !discard
	b.pipe, _ = b.store.(store.Pipeliner)
	return nil
}

// Address returns the broker's 35-character Teonet address.
func (b *Broker) Address() string { return b.node.Address() }

// Endpoint returns "ADDRESS@host:port", which clients on any machine can
// connect to.
func (b *Broker) Endpoint() string { return b.ln.Endpoint() }

// Addr returns the broker's listening address.
func (b *Broker) Addr() net.Addr { return b.ln.Addr() }

// Health returns nil while the broker can store messages, or the store
// error that stops it: one matching ErrStoreUnavailable while the store is
// short of a resource (the broker recovers by itself once it is back), or
// one matching ErrStoreFailed once the store failed for good. It is safe
// for concurrent use.
func (b *Broker) Health() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return publicStoreErr(b.storeHealth())
}

// Close stops the broker: it stops listening, drops every connection (their
// unanswered deliveries stay stored and are redelivered after a restart)
// and closes the store. Safe to call twice.
func (b *Broker) Close() error {
	var err error
	b.closeOnce.Do(func() {
		close(b.exit)
		b.ln.Close()
		b.mu.Lock()
		conns := make([]*brokerConn, 0, len(b.conns))
		for _, c := range b.conns {
			conns = append(conns, c)
		}
		b.unlock()
		// Each Close waits up to a second for its peer to take what is
		// queued: closing them together bounds the wait for any number of
		// stuck peers.
		var closing sync.WaitGroup
		for _, c := range conns {
			closing.Go(func() { c.ch.Close() })
		}
		closing.Wait()
		// HTTP stops last: while the peers are dropped, /readyz answers
		// 503 and new WebSocket peers are refused.
		b.stopHTTP()
		b.wg.Wait()
		if b.cluster != nil {
			if cerr := b.cluster.Close(); cerr != nil {
				b.log.Warn("teomq: cluster engine closed with an error", "err", cerr)
			}
		}
		b.notify.stop()
		b.writeLazy(b.takeLazy(nil))
		err = b.store.Close()
		b.node.Close()
	})
	return err
}

// acceptLoop accepts channels until the listener closes.
func (b *Broker) acceptLoop() {
	defer b.wg.Done()
	for {
		ch, err := b.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-b.exit:
				return
			default:
			}
			b.log.Warn("teomq: accept", "err", err)
			continue
		}
		b.startConn(ch, "")
	}
}

// startConn registers an authenticated peer connection and starts serving
// it, if the policy lets the peer connect; origin is a browser page's
// Origin, "" for a Go peer. A connection that arrives while the broker
// closes is closed.
func (b *Broker) startConn(pc peerConn, origin string) {
	peer := policy.Peer{Address: pc.PeerAddress(), Origin: origin, Local: (*b.isLocal.Load())(pc.RemoteAddr())}
	pol := b.policy.Load()
	if err := pol.Connect(peer); err != nil {
		b.refuseConn(pc, err)
		return
	}
	b.mu.Lock()
	select {
	case <-b.exit: // Close took its snapshot of conns already
		b.unlock()
		pc.Close()
		return
	default:
	}
	b.nextConn++
	c := &brokerConn{b: b, id: b.nextConn, ch: pc, addr: peer.Address, peer: peer}
	c.badFrames.Every = badFrameLogInterval
	c.refusals.Every = badFrameLogInterval
	c.grants.Store(pol.For(peer))
	b.conns[c.id] = c
	// Info goes first, ahead of the results waiting in the peer's mailbox.
	c.queue(&wire.Info{MaxMessageSize: uint32(b.cfg.MaxMessageSize)})
	b.exec(b.router.Connect(time.Now(), c.id, c.addr))
	b.wg.Add(1)
	b.unlock()
	if b.cluster != nil {
		b.cluster.Connect(c.id, c.addr)
	}
	go c.serve() // owned by the Broker; stopped by closing the connection (Close)
}

// refuseConn tells a peer the policy does not let it connect, and closes
// its connection on a goroutine of its own (owned by the Broker; it ends
// within Close's flush timeout), so that the accept loop never waits.
func (b *Broker) refuseConn(pc peerConn, err error) {
	b.refused.Add(1)
	if more, ok := b.refusedConns.Allow(); ok {
		b.log.Warn("teomq: peer refused by the policy", "peer", pc.PeerAddress(), "remote", pc.RemoteAddr(), "err", err, "more", more)
	}
	if pc.QueueAppend((&wire.Error{Code: wire.CodeForbidden, Fatal: true, Message: err.Error()}).AppendTo) == nil {
		_ = pc.FlushAsync()
	}
	b.wg.Go(func() { pc.Close() })
}

// isLoopback reports whether a is a loopback address.
func isLoopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case nil:
		return false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().IsLoopback()
}

// SetPolicy replaces the broker's policy, as a reload of its config file
// does: connected peers keep their connections, and each one's next
// publish, subscribe or operator request is checked against p. A nil p is
// policy.Default(). Safe for concurrent use.
func (b *Broker) SetPolicy(p *policy.Policy) {
	if p == nil {
		p = policy.Default()
	}
	b.policy.Store(p)
	b.mu.Lock()
	for _, c := range b.conns {
		c.grants.Store(p.For(c.peer))
	}
	b.mu.Unlock()
	b.log.Info("teomq: policy in force", "policy", p.String())
}

// tickLoop drives the router's timers: leases, retry delays, deadlines and
// expiries.
func (b *Broker) tickLoop() {
	defer b.wg.Done()
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-b.exit:
			return
		case now := <-t.C:
			b.mu.Lock()
			if next := b.router.NextDeadline(); !next.IsZero() && !next.After(now) {
				b.exec(b.router.Tick(now))
			}
			b.unlock()
		}
	}
}

// tickInterval is the resolution of leases, retry delays and deadlines.
const tickInterval = 20 * time.Millisecond

// QueueLen returns how many messages of command are not finished yet:
// waiting, or handed to a consumer and not answered.
func (b *Broker) QueueLen(command string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.router.QueueLen(command)
}

// unlock releases b.mu, then writes the frames queued under it: what a
// connection's socket takes at once is written here, the rest by the
// connection's writer goroutine. It never waits for a peer, so no peer can
// hold up the goroutine that calls it.
func (b *Broker) unlock() { b.unlockFlush(nil) }

// unlockFlush is unlock for the serve goroutine of own: own's frames are
// written on the calling goroutine, which saves a hand-off on an idle
// connection and can only wait for own's peer; every other connection's
// writer goroutine writes its own.
func (b *Broker) unlockFlush(own *brokerConn) {
	if len(b.dirty) == 0 {
		b.mu.Unlock()
		return
	}
	conns := b.dirty
	next := dirtyPool.Get().(*[]*brokerConn)
	b.dirty = (*next)[:0]
	for _, c := range conns {
		c.queued = false
	}
	b.mu.Unlock()
	flushOwn := false
	for _, c := range conns {
		if c == own {
			flushOwn = true
			continue
		}
		_ = c.ch.FlushIfRoom()
	}
	if flushOwn {
		_ = own.ch.Flush()
	}
	clear(conns)
	*next = conns[:0]
	dirtyPool.Put(next)
}

// dirtyPool recycles the lists of connections to flush.
var dirtyPool = sync.Pool{New: func() any { s := make([]*brokerConn, 0, 8); return &s }}
