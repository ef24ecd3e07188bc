package teonet

import (
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
)

// Node is this program's presence on the peer network: an identity, the
// address derived from it, and the listeners, channels and redialers made
// from it. A Node is safe for concurrent use.
//
// Close closes everything the node made, then releases the identity, so
// that no channel outlives the lock on the key it authenticates with.
type Node struct {
	cfg       Config
	log       *slog.Logger
	id        *identity
	addr      string
	serverTLS *tls.Config
	clientTLS *tls.Config // base of each dial's configuration
	book      addressBook
	frameMem  *frameMemory // shared by the node's channels

	mu        sync.Mutex // guards the fields below and the address book entry
	closed    bool
	endpoints []listenerEndpoint // of open listeners, in Listen order
	channels  map[*Channel]struct{}
	redialers map[*Redialer]struct{}
}

// listenerEndpoint is an open listener and the host:port it publishes.
type listenerEndpoint struct {
	l        *Listener
	hostport string
}

// New opens the identity named by cfg.Name, creating its key on first use,
// and locks it for the life of the Node. If another live Node holds it, in
// this process or another, New returns an *IdentityInUseError; the lock of
// a process that died is taken over. With cfg.Ephemeral, New makes a key
// in memory instead and touches no identity directory.
func New(cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	root := filepath.Join(cfg.ConfigDir, rootDirName)
	var id *identity
	if cfg.Ephemeral {
		id, err = ephemeralIdentity()
	} else {
		id, err = openIdentity(filepath.Join(root, cfg.Name), cfg.Name)
	}
	if err != nil {
		return nil, err
	}
	addr := AddressOf(id.key.Public().(ed25519.PublicKey))
	cert, err := selfSignedCert(id.key, addr)
	if err != nil {
		id.close()
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		log:       cfg.Logger.With("node", addr),
		id:        id,
		addr:      addr,
		serverTLS: serverTLSConfig(cert),
		clientTLS: baseTLSConfig(cert),
		book:      addressBook{dir: filepath.Join(root, peersDirName)},
		frameMem:  &frameMemory{limit: cfg.MaxFrameMemory},
		channels:  make(map[*Channel]struct{}),
		redialers: make(map[*Redialer]struct{}),
	}
	// Holding the lock, this node owns its address book entry: one left
	// there points at a previous run that did not close.
	if err := n.book.remove(addr); err != nil {
		n.log.Warn("teonet: remove stale address book entry", "err", err)
	}
	n.log.Debug("teonet: node opened", "identity", id.dir, "ephemeral", cfg.Ephemeral)
	return n, nil
}

// Address returns the node's address.
func (n *Node) Address() string { return n.addr }

// PublicKey returns a copy of the node's public key.
func (n *Node) PublicKey() ed25519.PublicKey {
	return append(ed25519.PublicKey(nil), n.id.key.Public().(ed25519.PublicKey)...)
}

// Close closes the node's listeners, redialers and channels, removes its
// address book entry and releases its identity. It is safe to call more
// than once; later calls return nil.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	listeners := make([]*Listener, 0, len(n.endpoints))
	for _, e := range n.endpoints {
		listeners = append(listeners, e.l)
	}
	redialers := keys(n.redialers)
	n.mu.Unlock()

	for _, l := range listeners {
		l.Close()
	}
	var wg sync.WaitGroup
	for _, r := range redialers {
		r.stop(ErrNodeClosed)
		wg.Go(func() { r.Close() })
	}
	wg.Wait()
	n.mu.Lock()
	channels := keys(n.channels)
	n.mu.Unlock()
	for _, c := range channels {
		wg.Go(func() { c.Close() })
	}
	wg.Wait()

	err := n.book.remove(n.addr)
	return errors.Join(err, n.id.close())
}

// trackChannel records a new channel so that Close can close it; after
// Close it closes the channel and returns ErrNodeClosed.
func (n *Node) trackChannel(c *Channel) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		c.Close()
		return ErrNodeClosed
	}
	n.channels[c] = struct{}{}
	n.mu.Unlock()
	return nil
}

// forgetChannel drops a closed channel.
func (n *Node) forgetChannel(c *Channel) {
	n.mu.Lock()
	delete(n.channels, c)
	n.mu.Unlock()
}

// addListener records an open listener and publishes the node's endpoints.
func (n *Node) addListener(l *Listener, hostport string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrNodeClosed
	}
	n.endpoints = append(n.endpoints, listenerEndpoint{l: l, hostport: hostport})
	return n.publishLocked()
}

// removeListener drops a closed listener and republishes the endpoints of
// the others, or removes the entry if none is left.
func (n *Node) removeListener(l *Listener) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, e := range n.endpoints {
		if e.l == l {
			n.endpoints = append(n.endpoints[:i], n.endpoints[i+1:]...)
			break
		}
	}
	return n.publishLocked()
}

// publishLocked writes the endpoints of the open listeners to the address
// book, with n.mu held.
func (n *Node) publishLocked() error {
	if len(n.endpoints) == 0 {
		return n.book.remove(n.addr)
	}
	hostports := make([]string, len(n.endpoints))
	for i, e := range n.endpoints {
		hostports[i] = e.hostport
	}
	if err := n.book.write(n.addr, hostports); err != nil {
		return fmt.Errorf("teonet: publish endpoints: %w", err)
	}
	return nil
}

func keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
