package cluster

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A result goes to its producer's broker first over plain NATS, to the
// producer's live subject, to which every broker with a connection of that
// producer subscribes; that broker hands it over and replies. Only when no
// broker takes it (no responders, the producer gone, or no reply within
// liveTimeout) is it stored in the producer's mailbox in the answers
// stream, and a hint on the producer's hint subject tells a broker the producer may
// have reconnected to meanwhile to read its mailbox. The answered message
// is acked once the result was handed over or stored.

// liveTimeout is how long a result waits for its producer's broker to
// reply before it goes to the mailbox.
const liveTimeout = 2 * time.Second

// Replies and headers of live results.
const (
	liveTaken = "+" // reply: handed to a connection of the producer
	liveGone  = "-" // reply: the producer has no connection here
)

// liveResult is a result sent to its producer's live subject, waiting for
// the reply. Guarded by Engine.mu.
type liveResult struct {
	msg      jetstream.Msg // the answered message
	command  string
	producer string
	r        result
	sent     time.Time
}

// startLive subscribes to the replies of live results.
func (e *Engine) startLive() error {
	e.inbox = nats.NewInbox()
	sub, err := e.nc.Subscribe(e.inbox+".*", e.onLiveReply)
	if err != nil {
		return err
	}
	e.inboxSub = sub
	return nil
}

// liveSubs are a producer's subscriptions on a broker where it is
// connected: its results, in a queue group so that one broker takes each
// (a producer may have a stale connection on another broker), and the
// hints, which every such broker takes.
type liveSubs struct {
	results, hints *nats.Subscription
}

// listen subscribes to producer's live subjects, for its first connection
// here. Called with e.mu held.
func (e *Engine) listen(producer string) {
	if e.live[producer] != nil {
		return
	}
	results, err := e.nc.QueueSubscribe(e.names.liveSubject(producer), "results", func(msg *nats.Msg) { e.onLive(producer, msg) })
	if err != nil {
		e.logError("teomq: cluster: producer's live subject not subscribed; its results go through the mailbox", err, "producer", producer)
		return
	}
	hints, err := e.nc.Subscribe(e.names.hintSubject(producer), func(*nats.Msg) { e.onHint(producer) })
	if err != nil {
		_ = results.Unsubscribe()
		e.logError("teomq: cluster: producer's live subject not subscribed; its results go through the mailbox", err, "producer", producer)
		return
	}
	e.live[producer] = &liveSubs{results: results, hints: hints}
}

// unlisten ends producer's live subscriptions once it has no connection
// here. Called with e.mu held.
func (e *Engine) unlisten(producer string) {
	if ls := e.live[producer]; ls != nil && !e.connected(producer) {
		ls.stop()
		delete(e.live, producer)
	}
}

// stop ends the subscriptions.
func (ls *liveSubs) stop() {
	_ = ls.results.Unsubscribe()
	_ = ls.hints.Unsubscribe()
}

// onHint opens producer's mailbox here: results wait in it.
func (e *Engine) onHint(producer string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed { // Close waits for the goroutines it knows of
		return
	}
	e.wg.Add(1)
	go func() { // owned by the Engine; ends by itself
		defer e.wg.Done()
		e.openMailbox(producer)
	}()
}

// onLive takes a result sent to producer's live subject and hands it to
// one of its connections here.
func (e *Engine) onLive(producer string, msg *nats.Msg) {
	r, err := decodeResult(msg.Header, msg.Data)
	if err != nil {
		e.logError("teomq: cluster: dropped a result teomq did not write", err, "subject", msg.Subject)
		return
	}
	if e.handOver(producer, r) {
		_ = msg.Respond([]byte(liveTaken))
		return
	}
	_ = msg.Respond([]byte(liveGone))
}

// handOver gives r to a connection of producer here, and reports whether
// one took it. A result handed over before within the dedup window counts
// as taken and is dropped (handed.go).
func (e *Engine) handOver(producer string, r result) bool {
	key := handedKey{producer: producer, id: r.id}
	e.mu.Lock()
	conns, closed := slices.Clone(e.byAddr[producer]), e.closed
	fresh := !closed && len(conns) > 0 && e.handed.add(key, time.Now().Add(e.cfg.DedupWindow))
	e.mu.Unlock()
	if closed || len(conns) == 0 {
		return false
	}
	if !fresh {
		return true
	}
	for _, c := range conns {
		if e.host.Result(c, r.id, r.code, r.from, r.data) {
			return true
		}
	}
	e.mu.Lock()
	e.handed.remove(key)
	e.mu.Unlock()
	return false
}

// sendLive sends r to producer's broker, for message msg of command.
func (e *Engine) sendLive(msg jetstream.Msg, command, producer string, r result) {
	e.mu.Lock()
	e.nextLive++
	token := strconv.FormatUint(e.nextLive, 36)
	e.pendingLive[token] = &liveResult{msg: msg, command: command, producer: producer, r: r, sent: time.Now()}
	e.mu.Unlock()
	out := encodeResult(e.names.liveSubject(producer), producer, r)
	out.Reply = e.inbox + "." + token
	if err := e.nc.PublishMsg(out); err != nil {
		if p := e.takeLive(token); p != nil {
			e.store(p)
		}
	}
}

// takeLive removes and returns the live result of token, nil if it was
// settled already.
func (e *Engine) takeLive(token string) *liveResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pendingLive[token]
	delete(e.pendingLive, token)
	if len(e.pendingLive) == 0 && e.liveSettled != nil {
		close(e.liveSettled)
		e.liveSettled = nil
	}
	return p
}

// onLiveReply settles a live result: taken, its message is acked;
// otherwise (the producer gone, or no responders) it is stored.
func (e *Engine) onLiveReply(reply *nats.Msg) {
	token := reply.Subject[strings.LastIndexByte(reply.Subject, '.')+1:]
	p := e.takeLive(token)
	if p == nil {
		return // timed out meanwhile, and stored
	}
	if string(reply.Data) == liveTaken && reply.Header.Get("Status") == "" {
		_ = p.msg.Ack()
		return
	}
	e.store(p)
}

// expireLive stores the live results that had no reply within
// liveTimeout. Called by leaseLoop.
func (e *Engine) expireLive(now time.Time) {
	var late []*liveResult
	e.mu.Lock()
	for token, p := range e.pendingLive {
		if now.Sub(p.sent) > liveTimeout {
			delete(e.pendingLive, token)
			late = append(late, p)
		}
	}
	if len(e.pendingLive) == 0 && e.liveSettled != nil {
		close(e.liveSettled)
		e.liveSettled = nil
	}
	e.mu.Unlock()
	for _, p := range late {
		e.store(p)
	}
}

// store puts p's result in its producer's mailbox; ackLoop acks its
// message once stored, and hints the producer's broker.
func (e *Engine) store(p *liveResult) {
	stored, err := e.js.PublishMsgAsync(encodeResult(e.names.answerSubject(p.producer), p.producer, p.r))
	if err != nil {
		// Not acked: the cluster redelivers the message after AckWait,
		// and it is answered again then.
		e.logError("teomq: cluster: result not stored; the message will be redelivered", err, "command", p.command)
		return
	}
	select {
	case e.acks <- pendingAck{msg: p.msg, command: p.command, producer: p.producer, stored: stored}:
	case <-e.exit:
	}
}

// hint tells the brokers of producer that its mailbox holds results.
func (e *Engine) hint(producer string) {
	_ = e.nc.Publish(e.names.hintSubject(producer), nil)
}
