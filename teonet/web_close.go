package teonet

import (
	"errors"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// maxCloseReason is the longest reason a WebSocket close frame carries.
const maxCloseReason = 123

// WebCloseStatus returns the WebSocket close status and reason that tell
// a browser why its WebSocket is closed for cause: going away after a
// local Close, policy violation for a failed web handshake
// (ErrWebHandshake), message too big for ErrFrameTooLarge, protocol error
// for ErrBadFraming, try again later for ErrPeerTimeout and ErrSlowPeer,
// internal error otherwise. The reason is the cause's text, cut on a
// UTF-8 boundary to the 123 bytes a close frame allows.
func WebCloseStatus(cause error) (websocket.StatusCode, string) {
	status := websocket.StatusInternalError
	switch {
	case errors.Is(cause, ErrClosed):
		status = websocket.StatusGoingAway
	case errors.Is(cause, ErrWebHandshake):
		status = websocket.StatusPolicyViolation
	case errors.Is(cause, ErrFrameTooLarge):
		status = websocket.StatusMessageTooBig
	case errors.Is(cause, ErrBadFraming):
		status = websocket.StatusProtocolError
	case errors.Is(cause, ErrPeerTimeout), errors.Is(cause, ErrSlowPeer):
		status = websocket.StatusTryAgainLater
	}
	return status, clipReason(cause.Error())
}

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
