package teonet_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
)

func TestWebCloseStatusTellsTheBrowserWhy(t *testing.T) {
	tests := []struct {
		cause error
		want  websocket.StatusCode
	}{
		{teonet.ErrClosed, websocket.StatusGoingAway},
		{fmt.Errorf("%w: bad auth", teonet.ErrWebHandshake), websocket.StatusPolicyViolation},
		{&teonet.FrameTooLargeError{Size: 9, Limit: 8}, websocket.StatusMessageTooBig},
		{fmt.Errorf("%w: text message", teonet.ErrBadFraming), websocket.StatusProtocolError},
		{fmt.Errorf("%w: nothing received", teonet.ErrPeerTimeout), websocket.StatusTryAgainLater},
		{fmt.Errorf("%w: over 8 bytes queued", teonet.ErrSlowPeer), websocket.StatusTryAgainLater},
		{errors.New("disk on fire"), websocket.StatusInternalError},
	}
	for _, tc := range tests {
		code, reason := teonet.WebCloseStatus(tc.cause)
		if code != tc.want || reason != tc.cause.Error() {
			t.Errorf("WebCloseStatus(%v) = %v %q, want %v and the cause's text", tc.cause, code, reason, tc.want)
		}
	}
}

func TestWebCloseReasonFitsACloseFrame(t *testing.T) {
	long := errors.New(strings.Repeat("é", 100)) // 200 bytes, 2 per rune
	_, reason := teonet.WebCloseStatus(long)
	if len(reason) > 123 || len(reason) < 122 || !utf8.ValidString(reason) || !strings.HasPrefix(long.Error(), reason) {
		t.Fatalf("reason of %d bytes (valid UTF-8 %v), want the cause's first 122 bytes", len(reason), utf8.ValidString(reason))
	}
}
