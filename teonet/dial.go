package teonet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
)

// Dial opens a channel to target, "ADDRESS@host:port" or a bare "ADDRESS"
// found in the address book (each of its endpoints is tried in turn). The
// peer must prove the key of ADDRESS, or Dial fails with an
// *AddressMismatchError. Connecting and the handshake are bounded by
// Config.HandshakeTimeout and by ctx, which has no effect on the channel
// once Dial returns.
func (n *Node) Dial(ctx context.Context, target string) (*Channel, error) {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return nil, ErrNodeClosed
	}
	addr, hostports, err := n.resolveAll(target)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, hostport := range hostports {
		c, err := n.dialEndpoint(ctx, addr, hostport)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil || errors.Is(err, ErrNodeClosed) {
			break
		}
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errors.Join(errs...)
}

// dialEndpoint connects to hostport and authenticates it as addr.
func (n *Node) dialEndpoint(ctx context.Context, addr, hostport string) (*Channel, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.HandshakeTimeout)
	defer cancel()
	d := net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true}}
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, &opError{op: "dial", target: addr + "@" + hostport, err: err}
	}
	setTCPOptions(conn)
	tc := tls.Client(&recordCoalescer{Conn: conn}, clientTLSConfig(n.clientTLS, addr))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
			err = fmt.Errorf("%w: %w", ErrNotTeonet, err)
		}
		return nil, &opError{op: "dial", target: addr + "@" + hostport, err: err}
	}
	c := newChannel(n, tc, conn, addr, nil)
	if err := n.trackChannel(c); err != nil {
		return nil, err
	}
	c.log.Debug("teonet: dialed channel")
	return c, nil
}
