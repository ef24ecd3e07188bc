package teomq

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
)

// Errors of browser peers. They are the causes of a web connection's close,
// logged and sent to the browser as the WebSocket close reason; none is
// returned by an exported method.
var (
	// errWebHandshake is the cause of a browser refused during the
	// handshake: a bad or missing auth, or a signature that does not
	// verify.
	errWebHandshake = errors.New("teomq: web handshake failed")
	// errWebClosed is the cause after a local Close.
	errWebClosed = errors.New("teomq: broker closed the connection")
	// errWebPeerClosed is the cause when the browser closed the WebSocket.
	errWebPeerClosed = errors.New("teomq: web peer closed the connection")
	// errWebTimeout is the cause when the browser sent nothing, not even a
	// Pong, for three keepalive intervals, or accepted no data as long.
	errWebTimeout = errors.New("teomq: web peer timed out")
	// errWebFraming is the cause of a message whose frames are not
	// length-prefixed as they must be.
	errWebFraming = errors.New("teomq: bad framing from web peer")
	// errWebTooLarge is the cause of a message or frame over the limit.
	errWebTooLarge = errors.New("teomq: message too large")
	// errWebSlowPeer is the cause when more than BrokerConfig.MaxPeerQueue
	// bytes wait for the browser; it matches teonet.ErrSlowPeer, as for
	// Go peers.
	errWebSlowPeer = fmt.Errorf("teomq: web peer: %w", teonet.ErrSlowPeer)
	// errWebEmptyFrame is returned by SendAppend for an empty frame.
	errWebEmptyFrame = errors.New("teomq: empty frame")
)

// webCloseStatus is the WebSocket close status and reason that tell the
// browser why the broker closed: the cause's text, cut to the 123 bytes a
// close frame allows.
func webCloseStatus(cause error) (websocket.StatusCode, string) {
	status := websocket.StatusInternalError
	switch {
	case errors.Is(cause, errWebClosed):
		status = websocket.StatusGoingAway
	case errors.Is(cause, errWebTooLarge):
		status = websocket.StatusMessageTooBig
	case errors.Is(cause, errWebFraming):
		status = websocket.StatusProtocolError
	case errors.Is(cause, errWebTimeout), errors.Is(cause, errWebSlowPeer):
		status = websocket.StatusTryAgainLater
	}
	return status, clipReason(cause.Error())
}

// maxCloseReason is the longest reason a WebSocket close frame carries.
const maxCloseReason = 123

// clipReason cuts s to maxCloseReason bytes on a UTF-8 boundary.
func clipReason(s string) string {
	if len(s) <= maxCloseReason {
		return s
	}
	cut := maxCloseReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
