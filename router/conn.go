package router

import "time"

// conn is a peer connection: a producer address and its subscriptions.
type conn struct {
	id   ConnID
	addr string
	subs []*subscriber // in subscription order
}

// conn returns the connection id, registering it if needed.
func (r *Router) conn(id ConnID) *conn {
	c := r.conns[id]
	if c == nil {
		c = &conn{id: id}
		r.conns[id] = c
	}
	return c
}

// sub returns c's subscription subID, nil if none.
func (c *conn) sub(subID uint32) *subscriber {
	for _, s := range c.subs {
		if s.id == subID {
			return s
		}
	}
	return nil
}

// inGroup reports whether c subscribes to g.
func (c *conn) inGroup(g *group) bool {
	for _, s := range c.subs {
		if s.group == g {
			return true
		}
	}
	return false
}

// Connect registers conn as the current connection of the peer address:
// results for messages that address published go to conn from now on, and
// the results waiting in its mailbox are sent (ActResult) and forgotten
// (ActMailboxDelete).
func (r *Router) Connect(now time.Time, conn ConnID, address string) []Action {
	r.begin()
	r.scheduleSweep(now.UnixNano())
	c := r.conn(conn)
	if c.addr != address && r.producers[c.addr] == c {
		delete(r.producers, c.addr)
	}
	c.addr = address
	if address != "" {
		r.producers[address] = c
		r.deliverMail(conn, address)
	}
	return r.flush(now)
}

// Disconnect ends conn: its subscriptions end, the messages it held are
// requeued at once for another delivery (or dead-lettered after
// MaxDeliveries) and dispatched, and it stops being its address's current
// connection.
func (r *Router) Disconnect(now time.Time, conn ConnID) []Action {
	r.begin()
	c := r.conns[conn]
	if c == nil {
		return r.acts
	}
	t := now.UnixNano()
	for _, s := range c.subs {
		r.endSub(t, s)
	}
	c.subs = nil
	if r.producers[c.addr] == c {
		delete(r.producers, c.addr)
	}
	delete(r.conns, conn)
	return r.flush(now)
}
