package teomq

import (
	"fmt"
	"net"

	"github.com/teonet-go/teomq/internal/fdlimit"
	"github.com/teonet-go/teomq/teonet"
)

// teonetConfig is the broker node's configuration: its identity, frame
// limits and admission control.
func (cfg BrokerConfig) teonetConfig() teonet.Config {
	return teonet.Config{
		Name:               cfg.Name,
		ConfigDir:          cfg.ConfigDir,
		Logger:             cfg.Logger,
		MaxFrame:           cfg.maxFrame(),
		SkipOversize:       true, // refused with a confirm by brokerConn.oversize
		KeepAlive:          cfg.KeepAlive,
		MaxPeers:           cfg.MaxPeers,
		MaxHandshakes:      cfg.MaxHandshakes,
		MaxHandshakesPerIP: cfg.MaxHandshakesPerIP,
		MaxQueue:           cfg.MaxPeerQueue,
	}
}

// newFDBudget raises the process's open-files limit and returns the budget
// of descriptors that connections on the broker's ports share, the rest
// (cfg.FDReserve) being kept for the store and logs.
func newFDBudget(cfg BrokerConfig) (*fdlimit.Budget, error) {
	limit, err := fdlimit.Raise()
	if err != nil {
		cfg.Logger.Warn("teomq: could not raise the open-files limit", "err", err, "limit", limit)
	}
	fds, err := fdlimit.NewBudget(limit, cfg.FDReserve, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("%w: FDReserve: %w", ErrBadConfig, err)
	}
	return fds, nil
}

// listen opens the broker's Teonet listener, its connections counted
// against the descriptor budget.
func (b *Broker) listen() (*teonet.Listener, error) {
	tcp, err := net.Listen("tcp", b.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("teomq: broker listen on %s: %w", b.cfg.Listen, err)
	}
	ln, err := b.node.ListenOn(b.fds.Listener(tcp))
	if err != nil {
		return nil, fmt.Errorf("teomq: broker listen on %s: %w", b.cfg.Listen, err)
	}
	return ln, nil
}

// logLimits logs the limits that protect the broker from its peers.
func (b *Broker) logLimits() {
	maxPeers := b.cfg.MaxPeers
	if maxPeers == 0 {
		maxPeers = teonet.DefaultMaxPeers
	}
	b.log.Info("teomq: admission limits", "max_peers", maxPeers,
		"fd_limit", b.fds.Limit(), "fd_reserve", b.fds.Reserve(), "peer_fds", b.fds.Capacity())
}

// AdmissionStats counts what the broker's admission control holds and
// refused on its ports.
type AdmissionStats struct {
	Peers             int    // Teonet channels open
	Handshaking       int    // Teonet connections being authenticated
	RefusedPeerLimit  uint64 // Teonet connections refused: MaxPeers open
	RefusedPerIP      uint64 // Teonet connections refused: MaxHandshakesPerIP from their source
	DroppedHandshakes uint64 // Teonet handshakes dropped for newer ones: MaxHandshakes in progress
	FailedHandshakes  uint64 // Teonet handshakes failed or timed out
	FDs               int    // descriptors held by connections on both ports
	FDCapacity        int    // descriptors connections may hold (0: no limit)
	RefusedFDs        uint64 // connections refused on both ports: descriptor reserve reached
}

// AdmissionStats returns the admission counters. Safe for concurrent use.
func (b *Broker) AdmissionStats() AdmissionStats {
	s := b.ln.Stats()
	return AdmissionStats{
		Peers:             s.Open,
		Handshaking:       s.Handshaking,
		RefusedPeerLimit:  s.RefusedFull,
		RefusedPerIP:      s.RefusedPerIP,
		DroppedHandshakes: s.DroppedHandshakes,
		FailedHandshakes:  s.FailedHandshakes,
		FDs:               b.fds.InUse(),
		FDCapacity:        b.fds.Capacity(),
		RefusedFDs:        b.fds.Refused(),
	}
}
