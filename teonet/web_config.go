package teonet

import (
	"fmt"
	"log/slog"
	"net"
	"time"
)

// WebConfig configures a WebChannel made by AcceptWeb. Ping is required;
// every other field has a default. A WebConfig is read by AcceptWeb and
// not retained, except for its functions.
type WebConfig struct {
	// MaxFrame is the largest frame payload sent or accepted; a WebSocket
	// message carries at most MaxFrame+4 bytes. 0 means the node's
	// Config.MaxFrame.
	MaxFrame int

	// MaxQueue is how many bytes may wait in the send queue before
	// QueueAppend drops the page with ErrSlowPeer; 0 means the node's
	// Config.MaxQueue.
	MaxQueue int

	// KeepAlive is the idle interval after which the channel sends a
	// Ping frame; a page that sends nothing for three of them is dropped
	// with ErrPeerTimeout. 0 means the node's Config.KeepAlive.
	KeepAlive time.Duration

	// Ping appends to dst the payload of the frame sent as a keepalive,
	// one the page answers: the transport knows no frame types. It is
	// called from one goroutine at a time, never concurrently.
	Ping func(dst []byte) []byte

	// RemoteAddr is the browser's network address, for logs and
	// WebChannel.RemoteAddr.
	RemoteAddr net.Addr

	// Logger receives the channel's logs; nil means the node's logger.
	Logger *slog.Logger

	// AuthRead, when set, is called once the page's auth message has been
	// read, or reading it failed: what is left of the handshake is this
	// node's own work.
	AuthRead func()
}

// withDefaults validates c and fills in its defaults from n's config.
func (c WebConfig) withDefaults(n *Node) (WebConfig, error) {
	switch {
	case c.Ping == nil:
		return c, fmt.Errorf("%w: WebConfig.Ping is nil", ErrInvalidConfig)
	case c.MaxFrame < 0, c.MaxQueue < 0, c.KeepAlive < 0:
		return c, fmt.Errorf("%w: negative WebConfig limit", ErrInvalidConfig)
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = n.cfg.MaxFrame
	}
	if c.MaxQueue == 0 {
		c.MaxQueue = n.cfg.MaxQueue
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = n.cfg.KeepAlive
	}
	if c.Logger == nil {
		c.Logger = n.log
	}
	return c, nil
}
