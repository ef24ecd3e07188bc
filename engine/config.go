package engine

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/teonet-go/teomq/internal/registry"
	"github.com/teonet-go/teomq/router"
)

// ClusterConfig configures the cluster engine OpenCluster opens.
type ClusterConfig struct {
	// URLs are the NATS servers of the JetStream cluster.
	URLs []string
	// Replicas is how many copies of each stream the cluster keeps;
	// zero: DefaultReplicas.
	Replicas int
	// Prefix starts the names of the engine's streams and the subjects of
	// its messages, so that several teomq installations can share one
	// NATS cluster; zero: DefaultPrefix.
	Prefix string
	// Name names the broker in its NATS connection.
	Name string
	// Lease, MaxDeliveries, RetryDelay, MaxRetryDelay, DedupWindow and
	// MailboxTTL mean what they mean for the broker's router; zero:
	// the router's defaults.
	Lease         time.Duration
	MaxDeliveries int
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	DedupWindow   time.Duration
	MailboxTTL    time.Duration
	// Logger receives the engine's logs; nil: slog.Default().
	Logger *slog.Logger
}

// Defaults of ClusterConfig.
const (
	DefaultReplicas = 3
	DefaultPrefix   = "TEOMQ"
)

// WithDefaults returns c with its zero fields set to their defaults, or
// an error naming a field that cannot be used.
func (c ClusterConfig) WithDefaults() (ClusterConfig, error) {
	if len(c.URLs) == 0 {
		return c, fmt.Errorf("engine: cluster: no NATS URL")
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		return c, fmt.Errorf("engine: cluster: %d replicas, want 1 to 5", c.Replicas)
	}
	if c.Replicas == 0 {
		c.Replicas = DefaultReplicas
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	for _, r := range c.Prefix {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return c, fmt.Errorf("engine: cluster: prefix %q: want letters, digits and _", c.Prefix)
		}
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Lease, router.DefaultLease)
	def(&c.RetryDelay, router.DefaultRetryDelay)
	def(&c.MaxRetryDelay, router.DefaultMaxRetryDelay)
	def(&c.DedupWindow, router.DefaultDedupWindow)
	def(&c.MailboxTTL, router.DefaultMailboxTTL)
	if c.MaxDeliveries <= 0 {
		c.MaxDeliveries = router.DefaultMaxDeliveries
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// ClusterOpener opens a cluster engine for host. A cluster engine package
// passes one to RegisterCluster.
type ClusterOpener func(ClusterConfig, Host) (Engine, error)

// cluster is the registered ClusterOpener.
var cluster registry.One[ClusterOpener]

// RegisterCluster makes open the opener of OpenCluster. A cluster engine
// package calls it from its init, so that a program links the engine (and
// its NATS client) only when it imports that package. It panics if open is
// nil or an opener is registered already. Safe for concurrent use.
func RegisterCluster(open ClusterOpener) {
	cluster.Register("engine: RegisterCluster", open, open == nil)
}

// ClusterLinked reports whether a cluster engine package registered its
// opener. Safe for concurrent use.
func ClusterLinked() bool {
	_, ok := cluster.Get()
	return ok
}

// OpenCluster opens the registered cluster engine with cfg for host. It
// returns an error wrapping ErrNoCluster when no cluster engine package is
// linked. Safe for concurrent use.
func OpenCluster(cfg ClusterConfig, host Host) (Engine, error) {
	open, ok := cluster.Get()
	if !ok {
		return nil, ErrNoCluster
	}
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	return open(cfg, host)
}
