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

	// maxNameLen bounds Config.Name, which becomes a directory name.
	maxNameLen = 128
)

// Config configures a Node. Name is required; every other field has a
// default. A Config is read by New and not retained.
type Config struct {
	// Name is the application's short name. It selects the identity
	// directory ConfigDir/teonet/Name/, so two programs with different
	// Names have different addresses. It is made of [A-Za-z0-9._-], is not
	// "." or "..", and is not "peers" (the address book's directory).
	Name string

	// ConfigDir replaces os.UserConfigDir() as the root of the identity
	// and of the address book (ConfigDir/teonet/peers/).
	ConfigDir string

	// Logger receives the node's logs; nil means slog.Default().
	Logger *slog.Logger

	// MaxFrame is the largest frame payload sent or accepted;
	// 0 means DefaultMaxFrame.
	MaxFrame int

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
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if err := validName(c.Name); err != nil {
		return c, err
	}
	switch {
	case c.MaxFrame < 0 || c.MaxFrame > math.MaxInt32:
		return c, fmt.Errorf("%w: MaxFrame %d out of range [0, %d]", ErrInvalidConfig, c.MaxFrame, math.MaxInt32)
	case c.KeepAlive < 0:
		return c, fmt.Errorf("%w: negative KeepAlive %v", ErrInvalidConfig, c.KeepAlive)
	case c.HandshakeTimeout < 0:
		return c, fmt.Errorf("%w: negative HandshakeTimeout %v", ErrInvalidConfig, c.HandshakeTimeout)
	case c.MaxQueue < 0:
		return c, fmt.Errorf("%w: negative MaxQueue %d", ErrInvalidConfig, c.MaxQueue)
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
