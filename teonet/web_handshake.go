package teonet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/coder/websocket"
)

// The web handshake authenticates both ends of a browser's WebSocket
// before any frame, in three binary messages. Each starts with the
// handshake version (1) and the message kind.
//
//  1. node -> page, hello (kind 1):
//     node key (32) | node nonce (32) | max message (u32) | keepalive ms (u32)
//  2. page -> node, auth (kind 2):
//     page key (32) | page nonce (32) | page signature (64)
//  3. node -> page, welcome (kind 3):
//     node signature (64)
//
// The page signature is the page key's Ed25519 signature of
//
//	"teomq/web/v1 page-auth\x00" | node nonce | node address (35 ASCII)
//
// and the node signature is the node key's signature of
//
//	"teomq/web/v1 broker-auth\x00" | page nonce | page address (35 ASCII)
//
// Nonces are 32 random bytes, fresh for each connection, so a signature
// cannot be replayed on another connection; the addresses bind each
// signature to the peer it was made for, and the context strings keep
// these signatures apart from any other use of the keys. The page checks
// before signing that the node key hashes (AddressOf) to the address it
// was given, and checks the node signature after: only the holder of the
// node's key can answer its nonce. The node derives the page's address
// from the page key exactly as for Go peers. The page side is
// web/teomq.js of the teomq module.
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

// AcceptWeb runs this node's side of the web handshake on an upgraded
// WebSocket and returns the page's authenticated channel, whose writer
// goroutine it starts (the channel owns it; Close stops it). ctx bounds
// the handshake: when it ends, the library closes the socket. AcceptWeb
// sets conn's read limits. On failure it returns an error matching
// ErrWebHandshake (or ErrInvalidConfig) and leaves conn open: the caller
// closes it, with WebCloseStatus to tell the page why. Safe for concurrent
// use.
func (n *Node) AcceptWeb(ctx context.Context, conn *websocket.Conn, cfg WebConfig) (*WebChannel, error) {
	cfg, err := cfg.withDefaults(n)
	if err != nil {
		return nil, err
	}
	maxMessage := cfg.MaxFrame + frameHeaderLen
	conn.SetReadLimit(webAuthLen)
	peer, err := n.webHandshake(ctx, conn, cfg, maxMessage)
	if err != nil {
		return nil, err
	}
	// Each message is read whole, up to the largest frame and its length
	// prefix. The channel's reader enforces maxMessage with a clearer close
	// reason than the library's limit, which is one byte further and
	// bounds what the library buffers.
	conn.SetReadLimit(int64(maxMessage) + 1)
	return newWebChannel(conn, peer, cfg), nil
}

// webHandshake runs the handshake and returns the page's address.
func (n *Node) webHandshake(ctx context.Context, conn *websocket.Conn, cfg WebConfig, maxMessage int) (string, error) {
	var nonce [webNonceLen]byte
	rand.Read(nonce[:])
	hello := make([]byte, 0, webHelloLen)
	hello = append(hello, webHandshakeVersion, webHello)
	hello = append(hello, n.PublicKey()...)
	hello = append(hello, nonce[:]...)
	hello = binary.BigEndian.AppendUint32(hello, uint32(maxMessage))
	hello = binary.BigEndian.AppendUint32(hello, uint32(cfg.KeepAlive.Milliseconds()))
	if err := conn.Write(ctx, websocket.MessageBinary, hello); err != nil {
		return "", fmt.Errorf("%w: send hello: %w", ErrWebHandshake, err)
	}

	typ, msg, err := conn.Read(ctx)
	if cfg.AuthRead != nil {
		cfg.AuthRead()
	}
	if err != nil {
		return "", fmt.Errorf("%w: read auth: %w", ErrWebHandshake, err)
	}
	pageKey, pageNonce, sig, err := parseWebAuth(typ, msg)
	if err != nil {
		return "", err
	}
	signed := webSignedMessage(webPageAuthContext, nonce[:], n.addr)
	if !ed25519.Verify(pageKey, signed, sig) {
		return "", fmt.Errorf("%w: the page's signature does not verify with its key (is the page using broker address %s?)", ErrWebHandshake, n.addr)
	}
	peer := AddressOf(pageKey)

	welcome := make([]byte, 0, webWelcomeLen)
	welcome = append(welcome, webHandshakeVersion, webWelcome)
	welcome = append(welcome, n.Sign(webSignedMessage(webBrokerAuthContext, pageNonce, peer))...)
	if err := conn.Write(ctx, websocket.MessageBinary, welcome); err != nil {
		return "", fmt.Errorf("%w: send welcome: %w", ErrWebHandshake, err)
	}
	return peer, nil
}

// parseWebAuth splits the page's auth message.
func parseWebAuth(typ websocket.MessageType, msg []byte) (key ed25519.PublicKey, nonce, sig []byte, err error) {
	switch {
	case typ != websocket.MessageBinary:
		return nil, nil, nil, fmt.Errorf("%w: auth is a text message, want binary", ErrWebHandshake)
	case len(msg) < 2 || msg[0] != webHandshakeVersion:
		return nil, nil, nil, fmt.Errorf("%w: auth has no handshake version %d", ErrWebHandshake, webHandshakeVersion)
	case msg[1] != webAuth:
		return nil, nil, nil, fmt.Errorf("%w: got message kind %d, want auth (%d)", ErrWebHandshake, msg[1], webAuth)
	case len(msg) != webAuthLen:
		return nil, nil, nil, fmt.Errorf("%w: auth is %d bytes, want %d", ErrWebHandshake, len(msg), webAuthLen)
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
