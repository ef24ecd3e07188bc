package teonet

import "sync"

// HoldWriter makes c's writer goroutine wait, each time it is woken,
// until the returned release is called; release is safe to call twice.
func HoldWriter(c *Channel) (release func()) {
	held := make(chan struct{})
	c.mu.Lock()
	c.writerHook = func() { <-held }
	c.mu.Unlock()
	return sync.OnceFunc(func() {
		c.mu.Lock()
		c.writerHook = nil
		c.mu.Unlock()
		close(held)
	})
}

// WriteIdle reports whether a Send on c now would write inline: nobody is
// writing, nothing is queued and the last write is not so recent that
// frames count as back to back.
func WriteIdle(c *Channel) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.writing && len(c.pending) == 0 && c.sinceEpoch() >= c.busyUntil
}

// CanSeeSendRoom reports whether c can read its socket's send room, so
// that FlushIfRoom may write inline.
func CanSeeSendRoom(c *Channel) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.writing && c.t.fits(1)
}

// HoldYield makes a sender that yields before a shared write (Flush,
// FlushIfRoom, SendAppendShared) wait there: yielding receives once it
// does, and it resumes when release is called; release is safe to call
// twice. Call it before c is shared with other goroutines.
func HoldYield(c *Channel) (yielding <-chan struct{}, release func()) {
	held := make(chan struct{})
	at := make(chan struct{}, 1)
	c.yield = func() {
		select {
		case at <- struct{}{}:
		default:
		}
		<-held
	}
	return at, sync.OnceFunc(func() { close(held) })
}
