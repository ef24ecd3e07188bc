package teomq

import (
	"fmt"
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// oversize answers a frame that the transport read past for being over
// the broker's frame limit (teonet.Config.SkipOversize): its bytes were
// never held, and the connection stays up. A publish is refused with the
// confirm a message over MaxMessageSize gets, naming its size; a
// consumer's answer fails its request, as a handler's error would, so that
// the producer learns at once; any other frame gets an error. Each is
// logged, rate-limited.
func (c *brokerConn) oversize(e *teonet.FrameTooLargeError) {
	limit := c.b.cfg.MaxMessageSize
	t, _ := wire.PeekType(e.Head)
	switch t {
	case wire.TypePublish:
		var p wire.Publish
		if wire.DecodePublish(e.Head, &p) == nil {
			size := e.Size - int64(len(e.Head)-len(p.Data))
			c.logBadFrame("teomq: message over the size limit refused", wire.CodeTooLarge, e)
			c.confirm(p.ID, wire.CodeTooLarge, fmt.Sprintf("%d bytes, limit %d", size, limit))
			return
		}
	case wire.TypeAnswer:
		var a wire.Answer
		if wire.DecodeAnswer(e.Head, &a) == nil {
			size := e.Size - int64(len(e.Head)-len(a.Data))
			c.logBadFrame("teomq: answer over the size limit refused", wire.CodeTooLarge, e)
			c.failAnswer(a.ID, a.Attempt, fmt.Sprintf("teomq: answer too large: %d bytes, limit %d", size, limit))
			return
		}
	}
	c.logBadFrame("teomq: frame over the size limit refused", wire.CodeTooLarge, e)
	c.send(&wire.Error{Code: wire.CodeTooLarge, Message: fmt.Sprintf("%v frame of %d bytes, limit %d", t, e.Size, c.b.cfg.maxFrame())})
}

// failAnswer answers the peer's delivery (id, attempt) with an error in its
// name, as its handler failing would.
func (c *brokerConn) failAnswer(id wire.ID, attempt uint32, text string) {
	b := c.b
	b.mu.Lock()
	acts, err := b.router.Answer(time.Now(), c.id, router.ID(id), int(attempt), router.Fail, []byte(text))
	b.exec(acts)
	c.unlock()
	if err != nil {
		c.refuse(err, id)
	}
}
