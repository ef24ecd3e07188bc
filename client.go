package teomq

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// Client is a connection to a broker. It produces (Send, Request) and
// consumes (Subscribe). It keeps the connection up by itself: after a
// broker restart or a network failure it redials, re-subscribes and resends
// unconfirmed messages with their IDs.
//
// A Client is safe for concurrent use.
type Client struct {
	opts   clientOptions
	log    *slog.Logger
	node   *teonet.Node
	redial *teonet.Redialer

	// ctx is cancelled by Close; handler contexts derive from it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards ch, calls, subs, nextSub, closed, cancels
	ch      *teonet.Channel
	calls   map[wire.ID]*call
	subs    map[uint32]*Subscription
	nextSub uint32
	closed  bool
	// cancels holds the requests given up while no channel was up; the
	// next channel tells the broker.
	cancels []wire.ID

	// maxMessage is the broker's MaxMessageSize, from its Info; 0 until
	// the first one arrives.
	maxMessage atomic.Int64
	// ready is closed once the broker has greeted the client; refused
	// takes the errors that end Connect, until then.
	ready     chan struct{}
	readyOnce sync.Once
	refused   chan error
	refusals  refusals // read and written on the redialer's goroutine

	// running holds the handler contexts of the deliveries in progress,
	// so that the broker's Cancel reaches them.
	runMu   sync.Mutex
	running map[runKey]*handlerCtx

	orphans chan orphan // answers no call awaits; nil without WithOrphanAnswers
	ops     adminCalls  // operator requests in progress

	wg        sync.WaitGroup // the orphan goroutine
	closeOnce sync.Once
}

type orphan struct {
	ans *Answer
	err error
}

// Connect connects to the broker at broker, "ADDRESS@host:port" or a bare
// "ADDRESS" that the local address book resolves, and returns once the
// broker has greeted the client. ctx bounds only the connecting; the
// client lives until Close.
//
// broker may list several brokers, separated by commas: the client
// connects to the first that answers, in order, and when its connection
// drops it fails over to the next one, where it re-subscribes and resends
// its unconfirmed messages and unanswered requests with their IDs. The
// brokers share nothing: each keeps its own queues and dedup window, so
// a message resent to another broker may be handled twice (at least
// once), and messages waiting on a broker that went away wait for it to
// come back. Every entry must parse and resolve, or Connect fails at
// once.
//
// While ctx lasts, Connect retries brokers that do not answer yet. It
// fails at once on what no retry can fix, when every listed broker has
// failed that way: an endpoint held by another node
// (teonet.ErrAddressMismatch), one that is no Teonet endpoint, such as the
// broker's HTTP port (teonet.ErrNotTeonet), a broker of another protocol
// version (ErrProtocol), or a broker whose policy refuses this client
// (ErrForbidden). A list with an empty entry fails with
// teonet.ErrBadTarget.
func Connect(ctx context.Context, broker string, opts ...Option) (*Client, error) {
	o := defaultClientOptions()
	for _, opt := range opts {
		opt(&o)
	}
	node, err := teonet.New(teonet.Config{
		Name:      o.name,
		Ephemeral: o.ephemeral,
		ConfigDir: o.configDir,
		Logger:    o.logger,
		MaxFrame:  o.maxFrame,
		KeepAlive: o.keepAlive,
	})
	if err != nil {
		return nil, &opError{op: "connect", err: err}
	}
	targets, err := brokerList(broker)
	if err == nil {
		for _, t := range targets {
			if _, _, err = node.Resolve(t); err != nil {
				break
			}
		}
	}
	if err != nil {
		node.Close()
		return nil, &opError{op: "connect", err: err}
	}
	c := &Client{
		opts:     o,
		log:      o.logger.With("client", node.Address()),
		node:     node,
		calls:    make(map[wire.ID]*call),
		subs:     make(map[uint32]*Subscription),
		ready:    make(chan struct{}),
		refused:  make(chan error, 1),
		refusals: newRefusals(targets),
		running:  make(map[runKey]*handlerCtx),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if o.onAnswer != nil {
		c.orphans = make(chan orphan, 1024)
		c.wg.Add(1)
		go c.runOrphans() // owned by the Client; stopped by Close
	}

	dialErr := make(chan error, 1)
	var reconnect bool // set at the first connect; read and written on the redialer's goroutine
	c.redial = node.Redial(teonet.RedialConfig{
		Targets: targets,
		Serve:   c.serve,
		OnEvent: func(e teonet.Event) {
			switch e.Kind {
			case teonet.EventDialFailed:
				c.refuse(e.Peer, e.Err)
				// Keep the last failure, which Connect reports; this
				// goroutine is the only sender.
				select {
				case <-dialErr:
				default:
				}
				dialErr <- fmt.Errorf("%s: %w", e.Target, e.Err)
				c.log.Debug("teomq: dial failed", "broker", e.Target, "attempt", e.Attempt, "err", e.Err)
			case teonet.EventConnected:
				// Connect's return tells of the first connect; a
				// reconnect is news.
				c.log.Log(context.Background(), connectLevel(reconnect), "teomq: connected", "broker", e.Peer)
				reconnect = true
			case teonet.EventDisconnected:
				c.log.Log(context.Background(), disconnectLevel(c.ctx), "teomq: disconnected", "broker", e.Peer, "err", e.Err)
			}
		},
	})
	select {
	case <-c.ready:
		return c, nil
	case err := <-c.refused:
		c.Close()
		return nil, &opError{op: "connect to " + broker, err: err}
	case <-ctx.Done():
		var last error
		select {
		case last = <-dialErr:
		default:
		}
		c.Close()
		if last != nil {
			return nil, &opError{op: "connect to " + broker, err: fmt.Errorf("%w (last dial: %w)", ctx.Err(), last)}
		}
		return nil, &opError{op: "connect to " + broker, err: ctx.Err()}
	}
}

// connectLevel is the log level of a connect: debug for the first, info
// for a reconnect.
func connectLevel(reconnect bool) slog.Level {
	if reconnect {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// disconnectLevel is the log level of a disconnect: debug when Close
// (which cancels ctx) caused it, info otherwise.
func disconnectLevel(ctx context.Context) slog.Level {
	if ctx.Err() != nil {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// Address returns the client's Teonet address.
func (c *Client) Address() string { return c.node.Address() }

// Close closes the client at once: it cancels handler contexts, fails
// waiting Send and Request calls with ErrClosed and drops the connection
// (the broker requeues unanswered deliveries). It does not wait for
// handlers that are still running. Safe to call twice.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		calls := c.calls
		c.calls = make(map[wire.ID]*call)
		subs := c.subs
		c.subs = make(map[uint32]*Subscription)
		c.mu.Unlock()

		c.cancel()
		if c.redial != nil {
			c.redial.Close()
		}
		for _, cl := range calls {
			cl.fail(ErrClosed)
		}
		c.ops.close(ErrClosed)
		for _, s := range subs {
			s.stop(nil)
		}
		if c.orphans != nil {
			close(c.orphans)
		}
		c.wg.Wait()
		c.node.Close()
	})
	return nil
}

// serve runs on the redialer's goroutine for each new channel: it takes
// the broker's greeting, re-subscribes, resends unconfirmed publishes and
// reads frames until the channel is done.
func (c *Client) serve(ctx context.Context, ch *teonet.Channel) {
	info, err := greet(ch)
	if err != nil {
		c.refuse(ch.PeerAddress(), err)
		return
	}
	c.maxMessage.Store(int64(info.MaxMessageSize))
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.ch = ch
	subs := make([]*Subscription, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	// Unconfirmed publishes are resent with their IDs; so are confirmed
	// requests still waiting for their answer, which may have been lost with
	// the old connection: the broker stores an ID once and answers a
	// repeated request with the answer it already has.
	var resend []*call
	for _, cl := range c.calls {
		if !cl.confirmed() || cl.request {
			resend = append(resend, cl)
		}
	}
	cancels := c.cancels
	c.cancels = nil
	c.mu.Unlock()
	c.readyOnce.Do(func() { close(c.ready) })

	for _, s := range subs {
		f, ok := s.subscribeFrame()
		if !ok {
			continue
		}
		if err := ch.SendAppend(f.AppendTo); err != nil {
			break
		}
	}
	for _, cl := range resend {
		if err := c.sendCall(ch, cl); err != nil {
			break
		}
	}
	for _, id := range cancels {
		if err := ch.SendAppend((&wire.Cancel{ID: id}).AppendTo); err != nil {
			break
		}
	}
	c.ops.attach(ch)
	c.readLoop(ch)
	c.ops.detach(ch)

	c.mu.Lock()
	if c.ch == ch {
		c.ch = nil
	}
	c.mu.Unlock()
}

// readLoop reads frames from ch until it fails.
func (c *Client) readLoop(ch *teonet.Channel) {
	var (
		confirm wire.Confirm
		result  wire.Result
		deliver wire.Deliver
	)
	for {
		b, err := ch.Recv()
		if err != nil {
			return
		}
		t, err := wire.PeekType(b)
		if err != nil {
			c.log.Warn("teomq: bad frame from broker", "err", err)
			continue
		}
		switch t {
		case wire.TypeConfirm:
			if err := wire.DecodeConfirm(b, &confirm); err == nil {
				c.onConfirm(&confirm)
			}
		case wire.TypeResult:
			if err := wire.DecodeResult(b, &result); err == nil {
				c.onResult(ch, &result)
			}
		case wire.TypeDeliver:
			if err := wire.DecodeDeliver(b, &deliver); err == nil {
				c.onDeliver(ch, &deliver)
			}
		default:
			f, err := wire.Decode(b)
			if err != nil {
				c.log.Warn("teomq: bad frame from broker", "err", err)
				continue
			}
			c.onFrame(ch, f)
		}
	}
}

// onFrame handles the less frequent frames.
func (c *Client) onFrame(ch *teonet.Channel, f wire.Frame) {
	switch f := f.(type) {
	case *wire.SubAck:
		c.mu.Lock()
		s := c.subs[f.SubID]
		c.mu.Unlock()
		if s != nil {
			s.acked(f.Code, f.Message)
		}
	case *wire.Error:
		c.log.Warn("teomq: broker reported an error", "code", f.Code, "fatal", f.Fatal, "message", f.Message)
		if f.Ref != (wire.ID{}) {
			c.mu.Lock()
			cl := c.calls[f.Ref]
			c.mu.Unlock()
			if cl != nil && !cl.confirmed() {
				c.finish(cl, nil, brokerError(f.Code, f.Message))
			}
		}
	case *wire.AdminReply:
		c.ops.reply(f)
	case *wire.Cancel:
		c.cancelHandlers(f.ID)
	case *wire.Info:
		c.maxMessage.Store(int64(f.MaxMessageSize))
	case *wire.Ping:
		ch.SendAppend((&wire.Pong{Nonce: f.Nonce}).AppendTo)
	case *wire.Pong:
	default:
		c.log.Warn("teomq: unexpected frame from broker", "type", f.Type())
	}
}
