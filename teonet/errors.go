package teonet

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Errors of New and of a Node's lifetime.
var (
	// ErrInvalidConfig is returned by New when a Config field is invalid;
	// the wrapping error names the field.
	ErrInvalidConfig = errors.New("teonet: invalid config")

	// ErrIdentityInUse is returned by New when another live Node, in this
	// process or another, holds the identity of the same Name. The error
	// returned is an *IdentityInUseError.
	ErrIdentityInUse = errors.New("teonet: identity in use")

	// ErrBadIdentity is returned by New when the identity's key file exists
	// but does not hold an Ed25519 private key. The file is left untouched.
	ErrBadIdentity = errors.New("teonet: bad identity key file")

	// ErrNodeClosed is returned by Node methods called after Node.Close.
	ErrNodeClosed = errors.New("teonet: node closed")
)

// Errors of addresses, targets and peer authentication.
var (
	// ErrBadAddress is returned when a string is not a node address: not
	// AddressLen characters of [A-Za-z0-9]. The wrapping error says what is
	// wrong.
	ErrBadAddress = errors.New("teonet: bad address")

	// ErrBadTarget is returned when a dial target is neither ADDRESS nor
	// ADDRESS@host:port.
	ErrBadTarget = errors.New("teonet: bad target")

	// ErrUnknownPeer is returned when a bare address has no entry in the
	// address book; the peer must then be given as ADDRESS@host:port.
	ErrUnknownPeer = errors.New("teonet: unknown peer")

	// ErrAddressMismatch is returned when a peer's key does not hash to the
	// address it was dialed by or claims in its certificate. The error
	// returned is an *AddressMismatchError.
	ErrAddressMismatch = errors.New("teonet: peer address mismatch")

	// ErrBadCertificate is returned when a peer presents no certificate or
	// one whose key is not Ed25519.
	ErrBadCertificate = errors.New("teonet: bad peer certificate")

	// ErrHandshakeTimeout is logged by a Listener for an accepted
	// connection that sent no TLS hello within Config.HelloTimeout or did
	// not finish its handshake within Config.HandshakeTimeout.
	ErrHandshakeTimeout = errors.New("teonet: handshake timed out")

	// ErrProtocolMismatch is returned when a peer completes TLS without
	// negotiating TLS 1.3 and the ALPN protocol.
	ErrProtocolMismatch = errors.New("teonet: peer does not speak " + ALPN)

	// ErrNotTeonet is returned by Dial when the endpoint answers, but not
	// with TLS: it is some other service, such as an HTTP port.
	ErrNotTeonet = errors.New("teonet: not a Teonet endpoint: it does not speak TLS (is it an HTTP port?)")
)

// Permanent reports whether a dial that failed with err would fail the
// same way however often it is retried: the endpoint is another node
// (ErrAddressMismatch), no Teonet endpoint (ErrNotTeonet), or speaks
// another protocol (ErrProtocolMismatch, ErrBadCertificate). Other
// failures, such as a refused connection or a timeout, may pass.
func Permanent(err error) bool {
	return errors.Is(err, ErrAddressMismatch) || errors.Is(err, ErrNotTeonet) ||
		errors.Is(err, ErrProtocolMismatch) || errors.Is(err, ErrBadCertificate)
}

// Errors of channels and redialers.
var (
	// ErrClosed is returned by Send, SendAppend and Recv once a channel is
	// closed, for any reason. The error returned also matches the cause
	// (Channel.Err) under errors.Is, such as ErrPeerTimeout or
	// ErrPeerClosed. Channel.Err is ErrClosed itself after a local Close.
	ErrClosed = errors.New("teonet: channel closed")

	// ErrPeerClosed is the cause of a channel the peer closed.
	ErrPeerClosed = errors.New("teonet: peer closed the channel")

	// ErrPeerTimeout is the cause of a channel closed because the peer sent
	// nothing, not even a keepalive, for three keepalive intervals while a
	// Recv waited, or accepted no bytes written to it for as long.
	ErrPeerTimeout = errors.New("teonet: peer timed out")

	// ErrFrameTimeout is the cause of a channel closed because a frame,
	// once its first bytes had arrived, was not complete within
	// Config.FrameTimeout: its peer trickled it or stalled inside it.
	ErrFrameTimeout = errors.New("teonet: frame not complete in time")

	// ErrSlowPeer is the cause of a channel closed by QueueAppend because
	// more than the high-water mark of frames waited to be written to a
	// peer that does not read them.
	ErrSlowPeer = errors.New("teonet: peer too slow: send queue over its limit")

	// ErrFrameTooLarge is returned by Send and SendAppend for a payload
	// larger than Config.MaxFrame, and by Recv for a frame header
	// announcing one: Recv closes the channel, or with Config.SkipOversize
	// skips the frame and keeps the channel open. The error is a
	// *FrameTooLargeError.
	ErrFrameTooLarge = errors.New("teonet: frame too large")

	// ErrEmptyFrame is returned by Send and SendAppend for a frame with no
	// payload: length 0 is the keepalive on the wire.
	ErrEmptyFrame = errors.New("teonet: empty frame")

	// ErrBadFraming is the cause of a WebChannel closed because a
	// WebSocket message from the page is not a sequence of length-prefixed
	// frames: a text message, an empty one, an empty frame, or a frame
	// that runs past its message.
	ErrBadFraming = errors.New("teonet: bad framing from web peer")

	// ErrWebHandshake is returned by AcceptWeb when the page fails the web
	// handshake: a missing or malformed auth, or a signature that does not
	// verify. The wrapping error says what was wrong.
	ErrWebHandshake = errors.New("teonet: web handshake failed")

	// ErrRedialerClosed is returned by Redialer.WaitConnected after
	// Redialer.Close.
	ErrRedialerClosed = errors.New("teonet: redialer closed")
)

// IdentityInUseError is the error of New for an identity locked by another
// live Node. It matches ErrIdentityInUse under errors.Is.
type IdentityInUseError struct {
	Name string // Config.Name of the identity
	Dir  string // the identity directory
	PID  int    // process holding the lock, 0 if it could not be read
}

// Error names the identity, its holder and the -name flag that picks
// another identity.
func (e *IdentityInUseError) Error() string {
	holder := "another process"
	switch {
	case e.PID == os.Getpid():
		holder = fmt.Sprintf("this process (pid %d)", e.PID)
	case e.PID > 0:
		holder = fmt.Sprintf("another process (pid %d)", e.PID)
	}
	return fmt.Sprintf("teonet: identity %q at %s is in use by %s; start this one with a different -name",
		e.Name, e.Dir, holder)
}

// Unwrap returns ErrIdentityInUse.
func (e *IdentityInUseError) Unwrap() error { return ErrIdentityInUse }

// AddressMismatchError is the error of a handshake refused because the
// peer's key hashes to Got while Want was expected. It matches
// ErrAddressMismatch under errors.Is.
type AddressMismatchError struct {
	Want string // the address dialed, or the one the peer's certificate claims
	Got  string // the address of the key the peer proved
}

// Error names both addresses.
func (e *AddressMismatchError) Error() string {
	return fmt.Sprintf("%v: want %s, peer key is %s", ErrAddressMismatch, e.Want, e.Got)
}

// Unwrap returns ErrAddressMismatch.
func (e *AddressMismatchError) Unwrap() error { return ErrAddressMismatch }

// FrameTooLargeError is the error for a frame over the limit. It matches
// ErrFrameTooLarge under errors.Is.
type FrameTooLargeError struct {
	Size  int64 // payload length sent or announced
	Limit int   // Config.MaxFrame
	// Skipped is set when Recv read past the frame and the channel stays
	// open (Config.SkipOversize); Head then holds the payload's first
	// bytes, at most OversizeHeadLen, so that the receiver can tell the
	// peer which of its frames was refused.
	Skipped bool
	Head    []byte
}

// Error gives the size and the limit.
func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("%v: %d bytes, limit %d", ErrFrameTooLarge, e.Size, e.Limit)
}

// Unwrap returns ErrFrameTooLarge.
func (e *FrameTooLargeError) Unwrap() error { return ErrFrameTooLarge }

// closedError is returned by the operations of a closed channel. It matches
// both ErrClosed and the cause.
type closedError struct {
	cause error
}

func (e *closedError) Error() string {
	if e.cause == ErrClosed {
		return ErrClosed.Error()
	}
	return ErrClosed.Error() + ": " + unprefixed(e.cause)
}

func (e *closedError) Unwrap() []error {
	if e.cause == ErrClosed {
		return []error{ErrClosed}
	}
	return []error{ErrClosed, e.cause}
}

// opError is the error of an operation on a target, such as a dial.
type opError struct {
	op     string // "dial"
	target string
	err    error
}

func (e *opError) Error() string {
	return "teonet: " + e.op + " " + e.target + ": " + unprefixed(e.err)
}

func (e *opError) Unwrap() error { return e.err }

// unprefixed is err's message without this package's "teonet: " prefix,
// for messages that already carry it.
func unprefixed(err error) string {
	return strings.TrimPrefix(err.Error(), "teonet: ")
}
