// Package teonet is teomq's peer layer: node identities, key-derived
// addresses, and authenticated, framed channels between nodes.
//
// A [Node] owns an Ed25519 identity kept under ConfigDir/teonet/<Name>/ and
// locked against a second user; its [Node.Address] is 35 characters derived
// from the SHA-256 of its public key ([AddressOf]). [Node.Listen] accepts
// channels and records its endpoint in a local address book, so peers on the
// same machine can [Node.Dial] a bare ADDRESS; elsewhere they dial
// ADDRESS@host:port. A [Redialer] keeps one channel to a peer up, redialing
// with capped, jittered backoff.
//
// A [Channel] is a mutually authenticated TLS 1.3 connection: each side
// proves its key, and the dialer refuses a peer whose key does not hash to
// the address it dialed ([ErrAddressMismatch]). It carries frames of a
// 4-byte big-endian length and a payload; length 0 is the keepalive. On an
// idle channel Send writes the frame itself; otherwise sends are queued and
// written in batches by the channel's writer goroutine, so frames that pile
// up under load share a write. A peer silent for three keepalive intervals
// is dropped ([ErrPeerTimeout]), and so is one that leaves a frame
// incomplete for Config.FrameTimeout ([ErrFrameTimeout]). The buffers of
// frames larger than the read buffer grow as their bytes arrive, within a
// node-wide bound ([Config.MaxFrameMemory], [Node.FrameMemory]). A frame
// over [Config.MaxFrame] closes the channel, or with [Config.SkipOversize]
// is read past without being kept, so that the receiver can answer it.
// [Permanent] tells the dial errors that no retry fixes.
//
// A [WebChannel] is a browser page's connection over a WebSocket that an
// HTTP server upgraded and handed to [Node.AcceptWeb]: the page proves an
// Ed25519 key of its own by signing the node's nonce, and the node signs
// the page's back. It carries the same frames, several to a binary
// message, and shares the Channel's send queue, writer goroutine,
// limits and errors; its keepalive is a frame the caller supplies
// ([WebConfig.Ping]), and its close tells the browser why
// ([WebCloseStatus]).
//
// Admission: a [Listener] never stops accepting for a handshake. It bounds
// handshakes per source and in total, dropping the oldest of the busiest
// source when full, drops connections silent before their TLS hello, caps
// its open channels ([Config.MaxPeers]) and counts what it refused
// ([Listener.Stats]). [Node.ListenOn] serves a net.Listener the caller
// wraps, such as one that enforces a file-descriptor budget.
//
// All exported methods are safe for concurrent use unless their doc says
// otherwise ([Channel.Recv] is called from one goroutine).
package teonet
