package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/teonet-go/teomq"
)

// Defaults of a TeomqConfig's zero fields.
const (
	DefaultTeomqCommand     = "bench"
	DefaultTeomqConcurrency = 64
	DefaultTeomqName        = "loadgen"
	// teomqFillers is how many Sends Fill keeps in flight.
	teomqFillers = 256
)

// TeomqConfig configures a TeomqTarget. The zero value of a field takes its
// default.
type TeomqConfig struct {
	// Broker is the endpoint of a running broker: "ADDRESS@host:port", or
	// an ADDRESS that the address book in ConfigDir resolves. When empty,
	// NewTeomq starts a broker in the process on 127.0.0.1 with a free
	// port and its identity and data in a temporary directory.
	Broker string
	// Durability is the in-process broker's. Default teomq.DurabilitySync,
	// which needs the program to link the disk store (a blank import of
	// github.com/teonet-go/teomq/store/pebblestore).
	Durability teomq.Durability
	// Command is the command the load uses. Default DefaultTeomqCommand.
	Command string
	// Concurrency is how many messages each responder or consumer handles
	// at once, which is also its credit at the broker. Default
	// DefaultTeomqConcurrency.
	Concurrency int
	// ConfigDir holds the clients' identities and the address book that
	// resolves a bare Broker address. Default: the temporary directory.
	ConfigDir string
	// Name prefixes the clients' identity names: Name-1, Name-2, ...
	// Default DefaultTeomqName.
	Name string
	// EphemeralClients gives every client a throwaway identity
	// (teomq.WithEphemeralIdentity) instead of the named ones: nothing is
	// kept in ConfigDir, and a second run may start at once. Name still
	// names the in-process broker.
	EphemeralClients bool
	// Logger receives the broker's and clients' logs. Default: discarded.
	Logger *slog.Logger
}

// TeomqTarget is a Target for a teomq broker: requests and sends go to one
// command, responders and consumers subscribe to it. Every connection is a
// teomq.Client of its own (TLS 1.3 to the broker).
//
// A TeomqTarget is safe for concurrent use.
type TeomqTarget struct {
	cfg      TeomqConfig
	tmp      string        // temporary directory; removed by Close
	broker   *teomq.Broker // the in-process broker, or nil
	endpoint string
	seq      atomic.Int64 // numbers the client identities

	closeOnce sync.Once
	closeErr  error
}

var _ Target = (*TeomqTarget)(nil)

// NewTeomq starts cfg's in-process broker, or prepares to connect to
// cfg.Broker. Close stops the broker and removes the temporary directory.
func NewTeomq(cfg TeomqConfig) (*TeomqTarget, error) {
	if cfg.Command == "" {
		cfg.Command = DefaultTeomqCommand
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultTeomqConcurrency
	}
	if cfg.Name == "" {
		cfg.Name = DefaultTeomqName
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tmp, err := os.MkdirTemp("", "teomq-loadgen-")
	if err != nil {
		return nil, fmt.Errorf("loadgen: teomq target: %w", err)
	}
	if cfg.ConfigDir == "" {
		cfg.ConfigDir = tmp
	}
	t := &TeomqTarget{cfg: cfg, tmp: tmp, endpoint: cfg.Broker}
	if cfg.Broker == "" {
		b, err := teomq.NewBroker(teomq.BrokerConfig{
			Name:        cfg.Name + "-broker",
			ConfigDir:   tmp,
			Listen:      "127.0.0.1:0",
			Durability:  cfg.Durability,
			MaxQueueLen: 1 << 30,
			Logger:      cfg.Logger,
		})
		if err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("loadgen: teomq target: %w", err)
		}
		t.broker, t.endpoint = b, b.Endpoint()
	}
	return t, nil
}

// Endpoint returns the broker's "ADDRESS@host:port", or the Broker of the
// configuration.
func (t *TeomqTarget) Endpoint() string { return t.endpoint }

// Connect connects a new client with an identity of its own.
func (t *TeomqTarget) Connect(ctx context.Context) (Conn, error) {
	c, err := t.connect(ctx)
	if err != nil {
		return nil, err
	}
	return &teomqConn{t: t, c: c}, nil
}

func (t *TeomqTarget) connect(ctx context.Context) (*teomq.Client, error) {
	id := teomq.WithEphemeralIdentity()
	if !t.cfg.EphemeralClients {
		id = teomq.WithName(fmt.Sprintf("%s-%d", t.cfg.Name, t.seq.Add(1)))
	}
	return teomq.Connect(ctx, t.endpoint, id, teomq.WithConfigDir(t.cfg.ConfigDir), teomq.WithLogger(t.cfg.Logger))
}

// Fill sends n messages from one client, teomqFillers at a time, and
// returns once the broker confirmed them all.
func (t *TeomqTarget) Fill(ctx context.Context, n int, payload []byte) error {
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next    atomic.Int64
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	for range min(teomqFillers, n) {
		wg.Add(1)
		go func() { // owned by Fill, which waits for it
			defer wg.Done()
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if _, err := c.Send(ctx, t.cfg.Command, payload); err != nil {
					errOnce.Do(func() { first = err })
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// Close stops the in-process broker and removes the temporary directory.
// Safe to call twice.
func (t *TeomqTarget) Close() error {
	t.closeOnce.Do(func() {
		if t.broker != nil {
			t.closeErr = t.broker.Close()
		}
		if err := os.RemoveAll(t.tmp); err != nil && t.closeErr == nil {
			t.closeErr = err
		}
	})
	return t.closeErr
}

// teomqConn is one client of a TeomqTarget.
type teomqConn struct {
	t *TeomqTarget
	c *teomq.Client
}

func (c *teomqConn) Respond(ctx context.Context) error {
	echo := func(_ context.Context, m *teomq.Message) ([]byte, error) { return m.Data, nil }
	_, err := c.c.Subscribe(c.t.cfg.Command, echo, teomq.Concurrency(c.t.cfg.Concurrency))
	return err
}

func (c *teomqConn) Request(ctx context.Context, payload []byte) error {
	ans, err := c.c.Request(ctx, c.t.cfg.Command, payload)
	if err != nil {
		return err
	}
	if !bytes.Equal(ans.Data, payload) {
		return fmt.Errorf("%w: %d bytes, sent %d", ErrBadAnswer, len(ans.Data), len(payload))
	}
	return nil
}

func (c *teomqConn) Send(ctx context.Context, payload []byte) error {
	_, err := c.c.Send(ctx, c.t.cfg.Command, payload)
	return err
}

func (c *teomqConn) Consume(ctx context.Context, onMsg func()) error {
	ack := func(context.Context, *teomq.Message) ([]byte, error) {
		onMsg()
		return nil, nil
	}
	_, err := c.c.Subscribe(c.t.cfg.Command, ack, teomq.Concurrency(c.t.cfg.Concurrency))
	return err
}

func (c *teomqConn) Close() error { return c.c.Close() }
