package teomq

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
)

// The web handshake authenticates both ends of a browser's WebSocket
// before any frame, in three binary messages. Each starts with the
// handshake version (1) and the message kind.
//
//  1. broker -> page, hello (kind 1):
//     broker key (32) | broker nonce (32) | max message (u32) | keepalive ms (u32)
//  2. page -> broker, auth (kind 2):
//     page key (32) | page nonce (32) | page signature (64)
//  3. broker -> page, welcome (kind 3):
//     broker signature (64)
//
// The page signature is the page key's Ed25519 signature of
//
//	"teomq/web/v1 page-auth\x00" | broker nonce | broker address (35 ASCII)
//
// and the broker signature is the broker key's signature of
//
//	"teomq/web/v1 broker-auth\x00" | page nonce | page address (35 ASCII)
//
// Nonces are 32 random bytes, fresh for each connection, so a signature
// cannot be replayed on another connection; the addresses bind each
// signature to the peer it was made for, and the context strings keep
// these signatures apart from any other use of the keys. The page checks
// before signing that the broker key hashes (teonet.AddressOf) to the
// broker address it was given, and checks the broker signature after: only
// the holder of the broker's key can answer its nonce. The broker derives
// the page's address from the page key exactly as for Go peers. Any
// failure closes the WebSocket with status 1008 (policy violation) and a
// reason saying what was wrong.
//
// The handshake authenticates the peers when the connection opens; it does
// not protect the frames after it. Across networks that are not trusted,
// serve the WebSocket over TLS (wss://, for example behind a reverse
// proxy).
const (
	webHandshakeVersion = 1
	webHello            = 1
	webAuth             = 2
	webWelcome          = 3

	webNonceLen   = 32
	webHelloLen   = 2 + ed25519.PublicKeySize + webNonceLen + 4 + 4
	webAuthLen    = 2 + ed25519.PublicKeySize + webNonceLen + ed25519.SignatureSize
	webWelcomeLen = 2 + ed25519.SignatureSize
)

// Context strings of the handshake's two signatures.
const (
	webPageAuthContext   = "teomq/web/v1 page-auth\x00"
	webBrokerAuthContext = "teomq/web/v1 broker-auth\x00"
)

// webHandshakeParams are what the hello announces besides the key, and
// what to do once the page has done its part.
type webHandshakeParams struct {
	maxMessage int           // the largest WebSocket message either side may send
	keepAlive  time.Duration // the idle interval after which each side pings
	authRead   func()        // when set, called once the page's auth is read
}

// webHandshake runs the broker's side of the handshake on conn and returns
// the page's authenticated address. ctx bounds it: when it ends the
// library closes the socket.
func (b *Broker) webHandshake(ctx context.Context, conn *websocket.Conn, p webHandshakeParams) (string, error) {
	var nonce [webNonceLen]byte
	rand.Read(nonce[:])
	hello := make([]byte, 0, webHelloLen)
	hello = append(hello, webHandshakeVersion, webHello)
	hello = append(hello, b.node.PublicKey()...)
	hello = append(hello, nonce[:]...)
	hello = binary.BigEndian.AppendUint32(hello, uint32(p.maxMessage))
	hello = binary.BigEndian.AppendUint32(hello, uint32(p.keepAlive.Milliseconds()))
	if err := conn.Write(ctx, websocket.MessageBinary, hello); err != nil {
		return "", fmt.Errorf("%w: send hello: %w", errWebHandshake, err)
	}

	typ, msg, err := conn.Read(ctx)
	if p.authRead != nil {
		p.authRead()
	}
	if err != nil {
		return "", fmt.Errorf("%w: read auth: %w", errWebHandshake, err)
	}
	pageKey, pageNonce, sig, err := parseWebAuth(typ, msg)
	if err != nil {
		return "", err
	}
	signed := webSignedMessage(webPageAuthContext, nonce[:], b.node.Address())
	if !ed25519.Verify(pageKey, signed, sig) {
		return "", fmt.Errorf("%w: the page's signature does not verify with its key (is the page using broker address %s?)", errWebHandshake, b.node.Address())
	}
	peer := teonet.AddressOf(pageKey)

	welcome := make([]byte, 0, webWelcomeLen)
	welcome = append(welcome, webHandshakeVersion, webWelcome)
	welcome = append(welcome, b.node.Sign(webSignedMessage(webBrokerAuthContext, pageNonce, peer))...)
	if err := conn.Write(ctx, websocket.MessageBinary, welcome); err != nil {
		return "", fmt.Errorf("%w: send welcome: %w", errWebHandshake, err)
	}
	return peer, nil
}

// parseWebAuth splits the page's auth message.
func parseWebAuth(typ websocket.MessageType, msg []byte) (key ed25519.PublicKey, nonce, sig []byte, err error) {
	switch {
	case typ != websocket.MessageBinary:
		return nil, nil, nil, fmt.Errorf("%w: auth is a text message, want binary", errWebHandshake)
	case len(msg) < 2 || msg[0] != webHandshakeVersion:
		return nil, nil, nil, fmt.Errorf("%w: auth has no handshake version %d", errWebHandshake, webHandshakeVersion)
	case msg[1] != webAuth:
		return nil, nil, nil, fmt.Errorf("%w: got message kind %d, want auth (%d)", errWebHandshake, msg[1], webAuth)
	case len(msg) != webAuthLen:
		return nil, nil, nil, fmt.Errorf("%w: auth is %d bytes, want %d", errWebHandshake, len(msg), webAuthLen)
	}
	body := msg[2:]
	key = ed25519.PublicKey(body[:ed25519.PublicKeySize])
	nonce = body[ed25519.PublicKeySize : ed25519.PublicKeySize+webNonceLen]
	sig = body[ed25519.PublicKeySize+webNonceLen:]
	return key, nonce, sig, nil
}

// webSignedMessage is what a handshake signature signs: the context string,
// the verifier's nonce and the verifier's address.
func webSignedMessage(context string, nonce []byte, addr string) []byte {
	m := make([]byte, 0, len(context)+len(nonce)+len(addr))
	m = append(m, context...)
	m = append(m, nonce...)
	return append(m, addr...)
}
