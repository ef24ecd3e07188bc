package policy

// Peer is what the broker knows of a connected peer when it asks the
// policy: facts it proved, not claims.
type Peer struct {
	// Address is the peer's Teonet address, proven by its key.
	Address string
	// Origin is the HTTP Origin of a browser page's WebSocket, as the
	// browser sent it; "" for a Go peer.
	Origin string
	// Local reports whether the peer connected from a loopback address.
	Local bool
}

// page reports whether the peer is a browser page.
func (p Peer) page() bool { return p.Origin != "" }
