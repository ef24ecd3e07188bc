package teomq

import (
	"errors"

	"github.com/teonet-go/teomq/wire"
)

// Cancellation across the network. A producer whose Request ends before
// its answer sends the broker a Cancel (cancelRemote); the broker drops
// the copies no consumer has yet and sends the Cancel on to each consumer
// holding one, whose client ends that handler's context (cancelHandlers).

// maxPendingCancels bounds the cancels that wait for a channel.
const maxPendingCancels = 4096

// errCancelledBeforeStart answers a delivery whose producer cancelled it
// before its handler started; the broker drops the answer.
var errCancelledBeforeStart = errors.New("teomq: cancelled by the producer before it was handled")

// runKey names a delivery in progress: a message of a subscription.
type runKey struct {
	id  wire.ID
	sub uint32
}

// cancelRemote tells the broker that the producer gave up request id.
// Without a channel it waits for the next one, up to maxPendingCancels.
func (c *Client) cancelRemote(id wire.ID) {
	c.mu.Lock()
	ch, closed := c.ch, c.closed
	if ch == nil && !closed && len(c.cancels) < maxPendingCancels {
		c.cancels = append(c.cancels, id)
	}
	c.mu.Unlock()
	if ch != nil {
		_ = ch.SendAppend((&wire.Cancel{ID: id}).AppendTo)
	}
}

// track registers d's context, so that a Cancel for it reaches its handler.
func (c *Client) track(d *delivery) {
	c.runMu.Lock()
	c.running[d.key] = d.ctx
	c.runMu.Unlock()
}

// untrack forgets d's context once its handler returned.
func (c *Client) untrack(d *delivery) {
	c.runMu.Lock()
	if c.running[d.key] == d.ctx {
		delete(c.running, d.key)
	}
	c.runMu.Unlock()
}

// cancelHandlers ends the contexts of the deliveries of message id, which
// its producer cancelled. Called on the read goroutine; cancels are rare,
// and the deliveries in progress at most the subscriptions' concurrency.
func (c *Client) cancelHandlers(id wire.ID) {
	c.runMu.Lock()
	var ended []*handlerCtx
	for key, ctx := range c.running {
		if key.id == id {
			ended = append(ended, ctx)
		}
	}
	c.runMu.Unlock()
	for _, ctx := range ended {
		ctx.end()
	}
	if len(ended) > 0 {
		c.log.Debug("teomq: request cancelled by its producer", "id", MessageID(id))
	}
}
