package teomq

import "net"

// SetIsLocal replaces how the broker tells a peer on its machine from a
// remote one, so that tests on loopback can play remote peers.
func (b *Broker) SetIsLocal(f func(net.Addr) bool) { b.isLocal.Store(&f) }
