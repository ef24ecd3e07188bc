package teonet

import "crypto/ed25519"

// Sign signs msg with the node's Ed25519 key; anyone holding the node's
// public key (PublicKey) can check the signature with ed25519.Verify. It
// lets a node prove its identity outside a TLS channel, as the broker does
// to browsers on its WebSocket endpoint. Callers must prefix msg with a
// context string of their own (domain separation), so that a signature
// made for one purpose can never be replayed for another. Sign is safe for
// concurrent use, also after Close.
func (n *Node) Sign(msg []byte) []byte {
	return ed25519.Sign(n.id.key, msg)
}
