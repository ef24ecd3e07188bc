package teonet

import (
	"net"
	"sync"
)

// recordCoalescer sits between a channel's TLS session and its TCP
// connection. crypto/tls hands each record (at most 16 KiB of data) to the
// connection in a Write of its own, so a 64 KiB batch costs five system
// calls, and five wake-ups of the reading peer. While the channel's
// transport writes a batch (hold, then flush), the coalescer collects the
// batch's records and writes them in one call. Outside a batch (the
// handshake, alerts, close_notify) it writes through. Records reach the
// connection in the order the session made them: a write-through waits
// for a flush in progress. Safe for concurrent use.
type recordCoalescer struct {
	net.Conn

	mu      sync.Mutex // guards holding and buf; held across writes to Conn
	holding bool
	buf     []byte
}

// Write collects p while a batch is held, and writes it through otherwise.
func (c *recordCoalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holding {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// hold starts collecting the records of a batch.
func (c *recordCoalescer) hold() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// flush writes the records collected since hold in one call and stops
// collecting. A buffer larger than retainWriteBuffer is let go afterwards.
func (c *recordCoalescer) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > retainWriteBuffer {
		c.buf = nil
	}
	c.buf = c.buf[:0]
	return err
}
