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
// stream, and a hint on the live subject tells a broker the producer may
// have reconnected to meanwhile to read its mailbox. The answered message
// is acked once the result was handed over or stored.

// liveTimeout is how long a result waits for its producer's broker to
// reply before it goes to the mailbox.
const liveTimeout = 2 * time.Second

// Replies and headers of live results.
const (
	liveTaken = "+"          // reply: handed to a connection of the producer
	liveGone  = "-"          // reply: the producer has no connection here
	hdrHint   = "Teomq-Hint" // a hint: results wait in the mailbox
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

// listen subscribes to producer's live subject, for its first connection
// here. Called with e.mu held.
func (e *Engine) listen(producer string) {
	if e.live[producer] != nil {
		return
	}
	sub, err := e.nc.Subscribe(e.names.liveSubject(producer), func(msg *nats.Msg) { e.onLive(producer, msg) })
	if err != nil {
		e.logError("teomq: cluster: producer's live subject not subscribed; its results go through the mailbox", err, "producer", producer)
		return
	}
	e.live[producer] = sub
}

// unlisten ends producer's live subscription once it has no connection
// here. Called with e.mu held.
func (e *Engine) unlisten(producer string) {
	if sub := e.live[producer]; sub != nil && !e.connected(producer) {
		_ = sub.Unsubscribe()
		delete(e.live, producer)
	}
}

// onLive takes a message of producer's live subject: a result, handed to
// one of its connections here, or a hint that its mailbox holds results.
func (e *Engine) onLive(producer string, msg *nats.Msg) {
	if msg.Header.Get(hdrHint) != "" {
		e.wg.Add(1)
		go func() { // owned by the Engine; ends by itself
			defer e.wg.Done()
			e.openMailbox(producer)
		}()
		return
	}
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
// one took it.
func (e *Engine) handOver(producer string, r result) bool {
	e.mu.Lock()
	conns, closed := slices.Clone(e.byAddr[producer]), e.closed
	e.mu.Unlock()
	if closed {
		return false
	}
	for _, c := range conns {
		if e.host.Result(c, r.id, r.code, r.from, r.data) {
			return true
		}
	}
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
	h := nats.NewMsg(e.names.liveSubject(producer))
	h.Header.Set(hdrHint, "1")
	_ = e.nc.PublishMsg(h)
}
