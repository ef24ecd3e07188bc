package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/internal/ratelog"
	"github.com/teonet-go/teomq/router"
)

// Engine keeps a broker's queues in a JetStream cluster. It is safe for
// concurrent use (see engine.Engine).
//
// Its state, guarded by mu, is what this broker holds now: its peers,
// their subscriptions, the deliveries they have not answered, and one
// puller per command and group with local subscribers. Everything else
// lives in the cluster.
type Engine struct {
	cfg   engine.ClusterConfig
	host  engine.Host
	log   *slog.Logger
	names names

	nc      *nats.Conn
	js      jetstream.JetStream
	msgs    jetstream.Stream
	answers jetstream.Stream
	dead    jetstream.Stream
	// ackWait is the consumers' AckWait: the lease and a margin, so that
	// the cluster redelivers a message only after this broker stopped
	// taking its answer (or died).
	ackWait time.Duration

	mu    sync.Mutex
	peers map[router.ConnID]*peer
	// live holds the live subscription of each producer address with a
	// connection here; pendingLive the results sent live and not settled,
	// by reply token (live.go).
	live        map[string]*liveSubs
	pendingLive map[string]*liveResult
	// handed holds the results handed to producers here, for dedup.
	handed handedSet
	// liveSettled, set by Close, is closed once pendingLive is empty.
	liveSettled chan struct{}
	nextLive    uint64
	// controlSubs are the subscriptions to the control subjects.
	controlSubs []*nats.Subscription
	// inbox is the prefix of the live results' reply subjects.
	inbox    string
	inboxSub *nats.Subscription
	// byAddr lists the connections of each peer address.
	byAddr    map[string][]router.ConnID
	groups    map[groupKey]*group
	mailboxes map[string]*mailbox // by producer address
	// known holds the commands whose queue this broker made sure of: its
	// default group exists, or another group does.
	// knownGroups holds the groups it knows exist.
	known       map[string]time.Time // until when it is known
	knownGroups map[groupKey]bool
	// ensuring holds, per command, the channel closed when the
	// ensureQueue under way ends.
	ensuring map[string]*ensureCall
	closed   bool

	// confirms carries publishes to confirmLoop, acks answered messages
	// to ackLoop; work carries timeouts and dead letters to the workers.
	confirms chan pendingConfirm
	acks     chan pendingAck
	work     chan func()
	// errLog and pullLog limit the log lines of failed calls to the
	// cluster: pulls, which fail in a row while it is away, apart.
	errLog, pullLog ratelog.Limiter

	exit chan struct{} // closed by Close
	wg   sync.WaitGroup
}

// Timeouts of the engine's calls to the cluster.
const (
	// startTimeout bounds Open's wait for the cluster's streams.
	startTimeout = 30 * time.Second
	// apiTimeout bounds one call to the JetStream API.
	apiTimeout = 10 * time.Second
	// pullWait is how long one pull request waits for messages.
	pullWait = 2 * time.Second
	// workers is how many goroutines carry timeouts and dead letters to
	// the cluster.
	workers = 8
)

// Open connects to the cluster of cfg.URLs, makes sure of the engine's
// streams and returns the engine. cfg must have its defaults
// (engine.ClusterConfig.WithDefaults).
func Open(cfg engine.ClusterConfig, host engine.Host) (*Engine, error) {
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","),
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.Timeout(5*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to %s: %w", strings.Join(cfg.URLs, ","), err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(apiTimeout))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	e := &Engine{
		cfg:         cfg,
		host:        host,
		log:         cfg.Logger,
		names:       names{prefix: cfg.Prefix},
		nc:          nc,
		js:          js,
		ackWait:     max(cfg.Lease*5/4, cfg.Lease+time.Second), // leaseFor gives back cfg.Lease
		peers:       make(map[router.ConnID]*peer),
		byAddr:      make(map[string][]router.ConnID),
		live:        make(map[string]*liveSubs),
		pendingLive: make(map[string]*liveResult),
		groups:      make(map[groupKey]*group),
		mailboxes:   make(map[string]*mailbox),
		known:       make(map[string]time.Time),
		knownGroups: make(map[groupKey]bool),
		ensuring:    make(map[string]*ensureCall),
		confirms:    make(chan pendingConfirm, 4096),
		acks:        make(chan pendingAck, 4096),
		work:        make(chan func(), 4096),
		exit:        make(chan struct{}),
	}
	e.errLog.Every, e.pullLog.Every = 10*time.Second, 10*time.Second
	if err := e.makeStreams(); err != nil {
		nc.Close()
		return nil, err
	}
	if err := e.startControl(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if err := e.startLive(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	e.wg.Add(3 + workers)
	go e.confirmLoop() // owned by the Engine; stopped by Close
	go e.ackLoop()     // owned by the Engine; stopped by Close
	go e.leaseLoop()   // owned by the Engine; stopped by Close
	for range workers {
		go e.workLoop() // owned by the Engine; stopped by Close
	}
	return e, nil
}

// makeStreams creates or updates the engine's three streams, waiting for a
// cluster that is still electing its leaders.
func (e *Engine) makeStreams() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	configs := []jetstream.StreamConfig{{
		Name:       e.names.msgsStream(),
		Subjects:   []string{e.cfg.Prefix + ".q.>", e.cfg.Prefix + ".r.>"},
		Retention:  jetstream.InterestPolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   e.cfg.Replicas,
		Duplicates: e.cfg.DedupWindow,
	}, {
		Name:       e.names.answersStream(),
		Subjects:   []string{e.cfg.Prefix + ".a.>"},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   e.cfg.Replicas,
		Duplicates: e.cfg.DedupWindow,
		MaxAge:     e.cfg.MailboxTTL,
	}, {
		Name:     e.names.deadStream(),
		Subjects: []string{e.cfg.Prefix + ".d.>"},
		Storage:  jetstream.FileStorage,
		Replicas: e.cfg.Replicas,
	}}
	streams := make([]jetstream.Stream, len(configs))
	for i, sc := range configs {
		for {
			s, err := e.makeStream(ctx, sc)
			if err == nil {
				streams[i] = s
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("cluster: stream %s: %w", sc.Name, err)
			}
			e.log.Debug("teomq: cluster: waiting for the stream", "stream", sc.Name, "err", err)
			select {
			case <-time.After(200 * time.Millisecond):
			case <-ctx.Done():
				return fmt.Errorf("cluster: stream %s: %w", sc.Name, err)
			}
		}
	}
	e.msgs, e.answers, e.dead = streams[0], streams[1], streams[2]
	return nil
}

// makeStream creates stream sc, or returns it as another broker made it.
// The settings an operator chooses (replicas, dedup window, mailbox TTL)
// are the first broker's: a broker configured otherwise logs the
// difference and changes nothing, so that the last broker to start does
// not change the cluster's streams under the others.
func (e *Engine) makeStream(ctx context.Context, sc jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := e.js.Stream(ctx, sc.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = e.js.CreateStream(ctx, sc)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = e.js.Stream(ctx, sc.Name)
		}
	}
	if err != nil {
		return nil, err
	}
	have := s.CachedInfo().Config
	// A setting left zero here is the server's default, not a wish.
	if have.Replicas != sc.Replicas || sc.Duplicates != 0 && have.Duplicates != sc.Duplicates || sc.MaxAge != 0 && have.MaxAge != sc.MaxAge {
		e.log.Warn("teomq: cluster: the stream's settings differ from this broker's; the stream's stay in force",
			"stream", sc.Name, "replicas", have.Replicas, "want_replicas", sc.Replicas,
			"dedup_window", have.Duplicates, "want_dedup_window", sc.Duplicates,
			"max_age", have.MaxAge, "want_max_age", sc.MaxAge)
	}
	return s, nil
}

// headerRoom is what a message's subject and headers take of the NATS
// servers' max_payload.
const headerRoom = 1024

// MaxMessageSize is the largest payload the cluster's servers take.
func (e *Engine) MaxMessageSize() int { return int(e.nc.MaxPayload()) - headerRoom }

// Close stops the engine: its deliveries not answered go back to the
// cluster at once, and its NATS connection ends.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	var naks []jetstream.Msg
	for _, p := range e.peers {
		naks = p.takeFlights(naks)
	}
	for _, g := range e.groups {
		g.stop()
	}
	for _, mb := range e.mailboxes {
		mb.stop()
	}
	// Results for this broker's producers go to their mailboxes now
	// (no responders); those it sent and that wait for a reply, too.
	for addr, ls := range e.live {
		ls.stop()
		delete(e.live, addr)
	}
	for _, sub := range e.controlSubs {
		_ = sub.Unsubscribe()
	}
	var settled chan struct{}
	if len(e.pendingLive) > 0 {
		settled = make(chan struct{})
		e.liveSettled = settled
	}
	e.mu.Unlock()
	for _, m := range naks {
		_ = m.Nak()
	}
	// The results sent live wait for their replies (storing one already
	// handed over would give its producer a second answer); those still
	// unsettled after liveTimeout go to the mailboxes.
	if settled != nil {
		select {
		case <-settled:
		case <-time.After(liveTimeout):
		}
	}
	e.mu.Lock()
	var unsettled []*liveResult
	for token, p := range e.pendingLive {
		delete(e.pendingLive, token)
		unsettled = append(unsettled, p)
	}
	e.mu.Unlock()
	for _, p := range unsettled {
		e.store(p)
	}
	close(e.exit)
	e.wg.Wait()
	// The acks, naks and results above are written; let them reach the
	// servers before the connection ends.
	err := e.nc.FlushTimeout(apiTimeout)
	e.nc.Close()
	return err
}

// unavailable wraps a cluster error as engine.ErrUnavailable.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", engine.ErrUnavailable, err)
}

// logError logs a failed call to the cluster, rate-limited.
func (e *Engine) logError(msg string, err error, args ...any) {
	e.logLimited(&e.errLog, msg, err, args...)
}

// logLimited logs at Warn what l lets through.
func (e *Engine) logLimited(l *ratelog.Limiter, msg string, err error, args ...any) {
	if more, ok := l.Allow(); ok {
		e.log.Warn(msg, append(args, "err", err, "more", more)...)
	}
}

// isNotFound reports whether err says a consumer does not exist.
func isNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerNotFound)
}
