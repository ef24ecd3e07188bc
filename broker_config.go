package teomq

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/teonet"
)

// Default broker settings.
const (
	// DefaultBrokerName is the identity name of a broker that names none.
	DefaultBrokerName = "teomq-broker"
	// DefaultListen is the broker's Teonet listening address.
	DefaultListen = ":7050"
	// DefaultHTTP is the CLI broker's HTTP address (WebSocket, teomq.js,
	// health); a BrokerConfig without HTTP serves none.
	DefaultHTTP = ":8093"
	// DefaultMaxMessageSize is the largest payload a broker accepts.
	DefaultMaxMessageSize = 1 << 20
	// MaxMessageSizeLimit is the largest BrokerConfig.MaxMessageSize: 64
	// MiB. Each message is stored, queued and held in memory whole, so
	// larger payloads belong in a file or object store, with a reference
	// in the message.
	MaxMessageSizeLimit = 64 << 20
	// DefaultResidentBytes is BrokerConfig.ResidentBytes's default.
	DefaultResidentBytes = 64 << 20
	// DefaultWindow is BrokerConfig.Window's default.
	DefaultWindow = 4096
	// DefaultSyncInterval is how often DurabilityInterval syncs the disk.
	DefaultSyncInterval = 10 * time.Millisecond
)

// Durability says when the broker confirms a published message.
type Durability string

// Durability modes.
const (
	// DurabilitySync confirms a message only after it is fsync'd to disk;
	// concurrent publishes share one fsync (group commit). A confirmed
	// message survives a broker crash and a power cut. The default.
	DurabilitySync Durability = "sync"
	// DurabilityInterval confirms a message once it is written to the
	// operating system; the disk is synced every SyncInterval. A confirmed
	// message survives a broker crash, but a power cut may lose the last
	// interval's messages.
	DurabilityInterval Durability = "interval"
	// DurabilityMemory keeps messages in memory only: a broker restart
	// loses them.
	DurabilityMemory Durability = "memory"
)

// ParseDurability parses "sync", "interval" or "memory".
func ParseDurability(s string) (Durability, error) {
	switch d := Durability(s); d {
	case DurabilitySync, DurabilityInterval, DurabilityMemory:
		return d, nil
	}
	return "", fmt.Errorf("%w: durability %q: want sync, interval or memory", ErrBadConfig, s)
}

// BrokerConfig configures a Broker. The zero value of each field takes its
// default.
type BrokerConfig struct {
	// Name is the application short name: it selects the broker's identity
	// (and so its address) and its default data directory.
	Name string
	// ConfigDir replaces os.UserConfigDir(): the identity lives in
	// ConfigDir/teonet/Name/, and the address book in ConfigDir/teonet/peers/.
	ConfigDir string
	// Listen is the Teonet "host:port" to listen on; "127.0.0.1:0" picks a
	// free port. Default DefaultListen.
	Listen string
	// HTTP is the "host:port" of the broker's HTTP listener, which serves
	// browser peers (WebSocket at /teomq), the browser client (/teomq.js),
	// /healthz, /readyz, Prometheus metrics (/metrics, when the program
	// imports package metrics) and a live dashboard (/); "127.0.0.1:0"
	// picks a free port. Empty: no HTTP
	// listener.
	HTTP string
	// AllowedOrigins lists the web origins ("http://localhost:8094") whose
	// pages may connect to the WebSocket, besides pages of the broker's
	// own origin (an allowed host's); "*" allows any. A request without
	// an Origin is refused: browsers always send one, and Go programs use
	// the Teonet port.
	AllowedOrigins []string
	// AllowedHosts lists the names the WebSocket answers to, as a
	// browser sends them in the Host header: "host:port", or "host" for
	// that host with the HTTP port or with none (behind a proxy on the
	// scheme's default port); "*" allows any, and so DNS rebinding. A
	// request to another name is refused, which stops a hostile site
	// from pointing its own name at the broker. Default: localhost,
	// 127.0.0.1 and [::1], and HTTP's host when it is a concrete one
	// (not empty, 0.0.0.0 or ::), each with the HTTP port.
	AllowedHosts []string
	// OperatorFrom lists the networks whose HTTP clients may read the
	// operator pages, which name commands, groups and peers: /metrics,
	// the dashboard (/) and its data (/api/stats). Each entry is a CIDR
	// prefix ("10.0.0.0/8") or an address; "*" allows any. Default:
	// loopback only, as the default policy admits only peers on the
	// broker's machine. Behind a proxy the proxy is the client.
	// /healthz, /readyz and /teomq.js answer anyone.
	OperatorFrom []string
	// HTTPLimits bounds what a client of the HTTP listener may hold:
	// timeouts, header and body sizes, handshakes in progress.
	HTTPLimits HTTPLimits
	// DataDir holds the message store. Default ConfigDir/teonet/Name/data.
	DataDir string
	// Durability says when a publish is confirmed. Default DurabilitySync.
	// DurabilitySync and DurabilityInterval need a disk store: the
	// program imports github.com/teonet-go/teomq/store/pebblestore, or
	// NewBroker returns ErrNoDiskStore.
	Durability Durability
	// SyncInterval is DurabilityInterval's sync period.
	SyncInterval time.Duration
	// SyncDelay is DurabilitySync's pause between fsyncs while several
	// producers publish, so that each fsync covers more messages: it saves
	// processor time under heavy load and adds up to that much latency.
	// Default pebblestore.DefaultSyncDelay (500µs); negative: no pause, for a
	// few producers that each wait for their confirm.
	SyncDelay time.Duration
	// Store, when set, is used instead of opening one from DataDir and
	// Durability; the broker closes it on Close.
	Store store.Store

	// Cluster, when set, lists the NATS servers of a JetStream cluster
	// ("nats://host:4222") that keeps the broker's queues instead of its
	// own store: any number of brokers pointing at one cluster share
	// their queues (docs/cluster.md). Durability, DataDir and Store are
	// then unused: a publish is confirmed once the cluster stored it with
	// ClusterReplicas copies. The program imports
	// github.com/teonet-go/teomq/cluster, or NewBroker returns
	// ErrNoClusterEngine.
	Cluster []string
	// ClusterReplicas is how many copies of each stream the cluster
	// keeps. Default 3.
	ClusterReplicas int
	// ClusterPrefix starts the names of the streams and subjects the
	// brokers use, so that several teomq installations share a NATS
	// cluster apart. Default "TEOMQ".
	ClusterPrefix string

	// MaxMessageSize is the largest payload accepted, at most
	// MaxMessageSizeLimit; default DefaultMaxMessageSize. It is the one
	// size setting: the broker's transport accepts frames of that payload
	// and their headers, the broker tells every client the limit when it
	// connects, and clients refuse a larger message themselves, with the
	// error the broker would give (ErrTooLarge, naming the size and the
	// limit). A frame over it that reaches the broker anyway is read past,
	// not buffered, and refused with that error; the connection stays up.
	MaxMessageSize int
	// MaxQueueLen is the most messages a command may hold before publishes
	// fail with ErrQueueFull.
	MaxQueueLen int
	// MaxQueueBytes is the most payload bytes a command's pending
	// messages may hold before publishes fail with ErrQueueFull; default
	// router.DefaultMaxQueueBytes (1 GiB). It bounds the broker's memory
	// in DurabilityMemory as well as the store.
	MaxQueueBytes int64
	// ResidentBytes bounds the payload bytes of its waiting messages that
	// a command keeps in memory in the durable modes: past it, a message
	// queued while no consumer has room for it leaves its payload in the
	// store, which is read back, a batch at a time and off the broker's
	// lock, as consumers reach it; so does, past half of it, a message one
	// group is done with while the others' consumers are gone or busy.
	// Default DefaultResidentBytes (64 MiB); negative: every payload stays
	// in memory. DurabilityMemory keeps every payload: there is no store
	// to read it from.
	ResidentBytes int64
	// Window bounds the messages of a command kept in memory in the
	// durable modes: past it, a message queued while no consumer has room
	// for it is kept in the store only, counted, and read back, off the
	// broker's lock, as consumers reach it (a page when a group's queue is a
	// quarter of Window short of it tops it up to Window); a restart
	// reads only the first quarter of a Window of a backlog's messages
	// into memory. Of a request or a message with a deadline kept in the
	// store the broker holds a record of about 220 bytes (ID, producer,
	// deadline), so that it times out at its deadline, can be cancelled
	// and is known as a duplicate; a restart reads those from the store
	// (plain sends it only counts). The ID of a plain send kept in the store only is
	// remembered for DedupWindow from its publish, not across a restart:
	// a producer that resends such a message unconfirmed at a broker crash
	// may see it stored twice. A durable group with no consumer keeps
	// Window of its copies queued, the later ones in the store while
	// other groups drain the queue (one such group per command; a plain
	// send leaves memory once the other groups are done with it), read
	// back in pages when a consumer comes. Default DefaultWindow;
	// negative: every message stays in memory, as DurabilityMemory keeps
	// them.
	Window int
	// MaxDisk is the disk budget of the store in bytes: once the store
	// takes that much space, publishes fail with ErrDiskBudget until
	// consumers drain the queues and the store shrinks. The store's size is
	// measured every diskCheckInterval and counted up by each publish's
	// payload in between. Default (0): the store's size at start plus half
	// the space free on its file system at start; negative: no budget.
	// Only a store that reports its size (the pebble store) has a budget.
	MaxDisk int64
	// Lease is how long a consumer has to answer before the message is
	// redelivered; handlers can extend it with ExtendLease.
	Lease time.Duration
	// MaxDeliveries is how many times a message is delivered before it
	// moves to the command's dead-letter queue.
	MaxDeliveries int
	// DedupWindow is how long the broker remembers a message ID.
	DedupWindow time.Duration
	// MaxDedup bounds how many message IDs the dedup window holds (of
	// finished messages, each with a request's result, and of sends that
	// went past the Window): past it the oldest are forgotten early.
	// Default 1,000,000, a few hundred MB at most.
	MaxDedup int
	// MailboxTTL is how long an answer waits for its disconnected producer.
	MailboxTTL time.Duration
	// KeepAlive is the idle interval after which a connection is probed; a
	// peer silent for three intervals is dropped, and so is one that takes
	// no data for three intervals.
	KeepAlive time.Duration
	// MaxPeerQueue is how many bytes may wait to be written to one peer
	// (Go or browser): past it the peer is dropped as slow and its
	// unanswered deliveries go to other consumers at once. The broker
	// never waits for a peer's socket, so this bounds the memory one peer
	// that stops reading can hold. Default teonet.DefaultMaxQueue (64 MiB).
	MaxPeerQueue int

	// Policy says which peers may connect and what each may do (package
	// policy; the CLI reads it from its -conf file). Default
	// policy.Default(): peers from loopback may do everything, peers from
	// other hosts are refused. Broker.SetPolicy replaces it while running.
	Policy *policy.Policy

	// MaxPeers bounds the Teonet peers connected at once; past it a new
	// connection is closed before its handshake. Default
	// teonet.DefaultMaxPeers (10,000).
	MaxPeers int
	// MaxHandshakes bounds the Teonet connections being authenticated at
	// once: past it the oldest handshake of the source with the most gives
	// way to the newcomer. Default teonet.DefaultMaxHandshakes (1,024).
	MaxHandshakes int
	// MaxHandshakesPerIP bounds the Teonet connections being authenticated
	// at once from one IP address (an IPv6 /64); past it a new one is
	// closed at once. Default teonet.DefaultMaxHandshakesPerIP (16).
	MaxHandshakesPerIP int
	// FDReserve is how many of the process's file descriptors are kept for
	// the store, logs and listeners: connections on the Teonet and HTTP
	// ports together may hold the open-files limit less this many, and
	// past that a new connection is closed at once. Default
	// fdlimit.DefaultReserve: an eighth of the limit, at least 128.
	FDReserve int

	// Logger receives the broker's logs. Default slog.Default().
	Logger *slog.Logger
	// OnPublish, when set, is called for every message stored, with the
	// command's queue length after it, in the order they were stored. It
	// runs on a goroutine of its own, never with the broker's state locked,
	// so it may call the Broker's methods; while it falls behind by more
	// than MaxCallbackQueue calls, the calls past that are dropped (counted
	// in Stats.CallbacksDropped, and logged) rather than slowing the broker.
	OnPublish func(PublishInfo)
	// MaxCallbackQueue bounds the OnPublish calls waiting to run. Default
	// 65,536.
	MaxCallbackQueue int

	// MetricsMaxCommands is how many commands /metrics and the dashboard
	// label by name, the first seen first; the others are summed under
	// command="_other", so that clients cannot create unbounded series.
	// Default DefaultMetricsMaxCommands (1,000).
	MetricsMaxCommands int
}

// PublishInfo describes a stored message, for BrokerConfig.OnPublish.
type PublishInfo struct {
	ID       MessageID
	Command  string
	From     string
	Data     []byte // read only
	QueueLen int
}

// withDefaults fills in defaults and validates.
func (cfg BrokerConfig) withDefaults() (BrokerConfig, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultBrokerName
	}
	if cfg.ConfigDir == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return cfg, fmt.Errorf("%w: no ConfigDir and no user config dir: %w", ErrBadConfig, err)
		}
		cfg.ConfigDir = dir
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(cfg.ConfigDir, "teonet", cfg.Name, "data")
	}
	if cfg.Durability == "" {
		cfg.Durability = DurabilitySync
	}
	if _, err := ParseDurability(string(cfg.Durability)); err != nil {
		return cfg, err
	}
	if len(cfg.Cluster) > 0 {
		if !engine.ClusterLinked() {
			return cfg, ErrNoClusterEngine
		}
		if cfg.Store != nil {
			return cfg, fmt.Errorf("%w: Store and Cluster: a broker keeps its queues in one or the other", ErrBadConfig)
		}
		// The cluster keeps the messages: the broker stores nothing.
		cfg.Durability = DurabilityMemory
	}
	if cfg.Store == nil && cfg.Durability != DurabilityMemory && !store.DiskLinked() {
		// Before any side effect (the identity file, the listener).
		return cfg, fmt.Errorf("%w (durability %s)", ErrNoDiskStore, cfg.Durability)
	}
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = DefaultSyncInterval
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.MaxMessageSize > MaxMessageSizeLimit {
		return cfg, fmt.Errorf("%w: MaxMessageSize %d is over the limit of %d bytes (64 MiB)", ErrBadConfig, cfg.MaxMessageSize, MaxMessageSizeLimit)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.Default()
	}
	if cfg.MaxPeerQueue == 0 {
		cfg.MaxPeerQueue = teonet.DefaultMaxQueue
	}
	if cfg.MaxCallbackQueue == 0 {
		cfg.MaxCallbackQueue = defaultMaxCallbackQueue
	}
	if cfg.MetricsMaxCommands == 0 {
		cfg.MetricsMaxCommands = DefaultMetricsMaxCommands
	}
	if _, err := parseOrigins(cfg.AllowedOrigins); err != nil {
		return cfg, err
	}
	if _, err := parseHosts(cfg.AllowedHosts, ""); err != nil {
		return cfg, err
	}
	if _, err := parseOperatorNets(cfg.OperatorFrom); err != nil {
		return cfg, err
	}
	limits, err := cfg.HTTPLimits.withDefaults()
	if err != nil {
		return cfg, err
	}
	cfg.HTTPLimits = limits
	for _, v := range []struct {
		name string
		bad  bool
	}{
		{"MaxQueueLen", cfg.MaxQueueLen < 0},
		{"MaxQueueBytes", cfg.MaxQueueBytes < 0},
		{"MaxDeliveries", cfg.MaxDeliveries < 0},
		{"Lease", cfg.Lease < 0},
		{"DedupWindow", cfg.DedupWindow < 0},
		{"MaxDedup", cfg.MaxDedup < 0},
		{"MailboxTTL", cfg.MailboxTTL < 0},
		{"MaxPeerQueue", cfg.MaxPeerQueue < 0},
		{"MaxCallbackQueue", cfg.MaxCallbackQueue < 0},
		{"MaxPeers", cfg.MaxPeers < 0},
		{"MaxHandshakes", cfg.MaxHandshakes < 0},
		{"MaxHandshakesPerIP", cfg.MaxHandshakesPerIP < 0},
		{"FDReserve", cfg.FDReserve < 0},
		{"MetricsMaxCommands", cfg.MetricsMaxCommands < 0},
	} {
		if v.bad {
			return cfg, fmt.Errorf("%w: %s must not be negative", ErrBadConfig, v.name)
		}
	}
	return cfg, nil
}

// routerConfig is the router's share of the configuration.
func (cfg BrokerConfig) routerConfig() router.Config {
	return router.Config{
		MaxQueueLen:   cfg.MaxQueueLen,
		MaxQueueBytes: cfg.MaxQueueBytes,
		ResidentBytes: cfg.residentBytes(),
		Window:        cfg.window(),
		Lease:         cfg.Lease,
		MaxDeliveries: cfg.MaxDeliveries,
		DedupWindow:   cfg.DedupWindow,
		MaxDedup:      cfg.MaxDedup,
		MailboxTTL:    cfg.MailboxTTL,
	}
}

// residentBytes is the router's Config.ResidentBytes: 0 (every payload
// in memory) unless the store can read payloads back (store.Pager).
func (cfg BrokerConfig) residentBytes() int64 {
	if cfg.ResidentBytes < 0 {
		return 0
	}
	if cfg.Store != nil {
		if _, ok := cfg.Store.(store.Pager); !ok {
			return 0
		}
	} else if cfg.Durability == DurabilityMemory {
		return 0
	}
	if cfg.ResidentBytes == 0 {
		return DefaultResidentBytes
	}
	return cfg.ResidentBytes
}

// window is the router's Config.Window: 0 (every message in memory)
// unless the store can read messages back (store.Pager).
func (cfg BrokerConfig) window() int {
	if cfg.Window < 0 || !cfg.pages() {
		return 0
	}
	if cfg.Window == 0 {
		return DefaultWindow
	}
	return cfg.Window
}

// pages reports whether the store can read messages back (store.Pager).
func (cfg BrokerConfig) pages() bool {
	if cfg.Store != nil {
		_, ok := cfg.Store.(store.Pager)
		return ok
	}
	return cfg.Durability != DurabilityMemory
}

// maxFrame is the largest frame the broker accepts: a full-size message
// plus room for its header.
func (cfg BrokerConfig) maxFrame() int { return cfg.MaxMessageSize + frameOverhead }

// frameOverhead is the room a frame needs besides its payload: the
// header of a Publish or Deliver with names of the longest.
const frameOverhead = 64 << 10
