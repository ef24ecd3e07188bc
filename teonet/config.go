package teonet

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"
)

const (
	// DefaultMaxFrame is the largest frame payload a channel accepts when
	// Config.MaxFrame is 0.
	DefaultMaxFrame = 4 << 20

	// DefaultKeepAlive is the keepalive interval when Config.KeepAlive is 0.
	DefaultKeepAlive = 2 * time.Second

	// DefaultHandshakeTimeout bounds the TCP connect and TLS handshake of a
	// channel when Config.HandshakeTimeout is 0.
	DefaultHandshakeTimeout = 10 * time.Second

	// DefaultMaxQueue is Config.MaxQueue's default.
	DefaultMaxQueue = 64 << 20
	// DefaultHelloTimeout bounds, when Config.HelloTimeout is 0, how long
	// an accepted connection may stay silent before its TLS hello. A client
	// sends its hello as soon as it has connected.
	DefaultHelloTimeout = 3 * time.Second

	// DefaultFrameTimeoutKeepAlives is how many keepalive intervals a frame
	// may take to arrive when Config.FrameTimeout is 0: 10 s with the
	// default keepalive.
	DefaultFrameTimeoutKeepAlives = 5

	// DefaultMaxFrameMemory is Config.MaxFrameMemory when it is 0 (or
	// MaxFrame, if that is larger).
	DefaultMaxFrameMemory = 64 << 20

	// DefaultMaxHandshakes is Config.MaxHandshakes when it is 0.
	DefaultMaxHandshakes = 1024

	// DefaultMaxHandshakesPerIP is Config.MaxHandshakesPerIP when it is 0.
	DefaultMaxHandshakesPerIP = 16

	// DefaultMaxPeers is Config.MaxPeers when it is 0.
	DefaultMaxPeers = 10_000

	// maxNameLen bounds Config.Name, which becomes a directory name.
	maxNameLen = 128
)

// Config configures a Node. Name is required unless Ephemeral is set;
// every other field has a default. A Config is read by New and not
// retained.
type Config struct {
	// Name is the application's short name. It selects the identity
	// directory ConfigDir/teonet/Name/, so two programs with different
	// Names have different addresses. It is made of [A-Za-z0-9._-], is not
	// "." or "..", and is not "peers" (the address book's directory).
	Name string

	// Ephemeral gives the node a key made in memory for its lifetime
	// only, and so a new address each time: no identity directory is
	// made, read or locked, and any number of ephemeral nodes run at once.
	// Name may then be empty. Short-lived clients (one request from a
	// shell) use it; a peer whose address others must know does not. The
	// address book in ConfigDir is still used to resolve bare addresses.
	Ephemeral bool

	// ConfigDir replaces os.UserConfigDir() as the root of the identity
	// and of the address book (ConfigDir/teonet/peers/).
	ConfigDir string

	// Logger receives the node's logs; nil means slog.Default().
	Logger *slog.Logger

	// MaxFrame is the largest frame payload sent or accepted;
	// 0 means DefaultMaxFrame.
	MaxFrame int

	// SkipOversize makes a received frame over MaxFrame recoverable: Recv
	// reads past its payload as it arrives, keeping only its first bytes,
	// and returns a *FrameTooLargeError with Skipped set, leaving the
	// channel open, so that the receiver can answer the peer with an
	// error of its own. Without it such a frame closes the channel.
	SkipOversize bool

	// KeepAlive is the idle interval after which a channel sends a
	// keepalive; a channel whose peer sends nothing for 3*KeepAlive is
	// closed with ErrPeerTimeout. 0 means DefaultKeepAlive.
	KeepAlive time.Duration

	// HandshakeTimeout bounds connecting and the TLS handshake, for dialed
	// and accepted channels alike; 0 means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration

	// MaxQueue is how many bytes may wait in a channel's send queue
	// before QueueAppend, which never waits, closes the channel with
	// ErrSlowPeer; 0 means DefaultMaxQueue.
	MaxQueue int
	// HelloTimeout bounds how long an accepted connection may send nothing
	// before its TLS hello: a silent connection is dropped sooner than one
	// that has started its handshake. 0 means DefaultHelloTimeout; it is
	// never longer than HandshakeTimeout.
	HelloTimeout time.Duration

	// FrameTimeout bounds how long a frame may take to arrive once its
	// first bytes have: a channel whose peer leaves a frame incomplete for
	// longer (trickling it, or stalling inside it) is closed with
	// ErrFrameTimeout. Time spent waiting for frame memory (MaxFrameMemory)
	// counts; time the receiving program takes between Recv calls does
	// not. A frame of MaxFrame bytes thus needs the peer to send at least
	// MaxFrame/FrameTimeout bytes a second. 0 means
	// DefaultFrameTimeoutKeepAlives times KeepAlive (10 s by default).
	FrameTimeout time.Duration

	// MaxFrameMemory bounds the bytes the node's channels hold together in
	// the buffers of received frames larger than a channel's 64 KiB read
	// buffer, whether the frame is still arriving or its buffer is kept
	// for the next one (only while frames come back to back). A buffer
	// grows as its frame's bytes arrive, never to the announced length up
	// front. At the bound, a channel whose frame needs more stops reading
	// (TCP flow control holds its peer back) and waits, first come first
	// served, until other channels release memory or its FrameTimeout
	// passes. 0 means DefaultMaxFrameMemory, or MaxFrame if that is
	// larger; a value under MaxFrame is refused. Node.FrameMemory reports
	// the bytes held.
	MaxFrameMemory int

	// MaxHandshakes bounds the connections each Listener authenticates at
	// once; 0 means DefaultMaxHandshakes. When that many are in progress a
	// new connection is still accepted, and the oldest handshake of the
	// source with the most in progress is dropped: a flood from a few
	// sources displaces its own connections, and one from many sources
	// shares the slots evenly with everyone else.
	MaxHandshakes int

	// MaxHandshakesPerIP bounds the connections each Listener
	// authenticates at once from one source: an IPv4 address, or the /64
	// of an IPv6 address. A connection over it is closed at once. 0 means
	// DefaultMaxHandshakesPerIP.
	MaxHandshakesPerIP int

	// MaxPeers bounds the channels each Listener has accepted that are
	// still open (returned by Accept or waiting for it). While that many
	// are open, new connections are closed at once, before their
	// handshake, with a rate-limited warning. 0 means DefaultMaxPeers.
	MaxPeers int
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Name != "" || !c.Ephemeral {
		if err := validName(c.Name); err != nil {
			return c, err
		}
	}
	if c.MaxFrame < 0 || c.MaxFrame > math.MaxInt32 {
		return c, fmt.Errorf("%w: MaxFrame %d out of range [0, %d]", ErrInvalidConfig, c.MaxFrame, math.MaxInt32)
	}
	for _, f := range []struct {
		name     string
		negative bool
	}{
		{"KeepAlive", c.KeepAlive < 0},
		{"HandshakeTimeout", c.HandshakeTimeout < 0},
		{"MaxQueue", c.MaxQueue < 0},
		{"HelloTimeout", c.HelloTimeout < 0},
		{"FrameTimeout", c.FrameTimeout < 0},
		{"MaxFrameMemory", c.MaxFrameMemory < 0},
		{"MaxHandshakes", c.MaxHandshakes < 0},
		{"MaxHandshakesPerIP", c.MaxHandshakesPerIP < 0},
		{"MaxPeers", c.MaxPeers < 0},
	} {
		if f.negative {
			return c, fmt.Errorf("%w: negative %s", ErrInvalidConfig, f.name)
		}
	}
	if c.ConfigDir == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return c, fmt.Errorf("%w: no ConfigDir given and %w", ErrInvalidConfig, err)
		}
		c.ConfigDir = dir
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = DefaultMaxFrame
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.MaxQueue == 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	return c.admissionDefaults()
}

// admissionDefaults fills in the defaults of the fields that bound what
// peers may hold: handshakes, channels and frame memory.
func (c Config) admissionDefaults() (Config, error) {
	if c.HelloTimeout == 0 {
		c.HelloTimeout = DefaultHelloTimeout
	}
	c.HelloTimeout = min(c.HelloTimeout, c.HandshakeTimeout)
	if c.FrameTimeout == 0 {
		c.FrameTimeout = DefaultFrameTimeoutKeepAlives * c.KeepAlive
	}
	switch {
	case c.MaxFrameMemory == 0:
		c.MaxFrameMemory = max(DefaultMaxFrameMemory, c.MaxFrame)
	case c.MaxFrameMemory < c.MaxFrame:
		return c, fmt.Errorf("%w: MaxFrameMemory %d is under MaxFrame %d: such a frame could never be read",
			ErrInvalidConfig, c.MaxFrameMemory, c.MaxFrame)
	}
	if c.MaxHandshakes == 0 {
		c.MaxHandshakes = DefaultMaxHandshakes
	}
	if c.MaxHandshakesPerIP == 0 {
		c.MaxHandshakesPerIP = DefaultMaxHandshakesPerIP
	}
	if c.MaxPeers == 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	return c, nil
}

// validName reports whether name can name an identity directory.
func validName(name string) error {
	switch name {
	case "":
		return fmt.Errorf("%w: Name is required", ErrInvalidConfig)
	case ".", "..", peersDirName:
		return fmt.Errorf("%w: Name %q is reserved", ErrInvalidConfig, name)
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("%w: Name is %d bytes long, at most %d", ErrInvalidConfig, len(name), maxNameLen)
	}
	for i, r := range name {
		if r >= 0x80 || !isAlnum(byte(r)) && r != '.' && r != '_' && r != '-' {
			return fmt.Errorf("%w: Name %q has invalid character %q at %d; use [A-Za-z0-9._-]",
				ErrInvalidConfig, name, r, i)
		}
	}
	return nil
}
