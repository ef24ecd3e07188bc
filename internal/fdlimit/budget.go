package fdlimit

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/teonet-go/teomq/internal/ratelog"
)

// ErrNoBudget is returned by NewBudget when the reserve leaves no
// descriptors for peer connections.
var ErrNoBudget = errors.New("fdlimit: descriptor reserve leaves none for peers")

// Budget counts the descriptors peer connections hold against a capacity:
// the process's limit less a reserve kept for the store, logs and
// listeners. One Budget serves every listener of a process. It is safe for
// concurrent use.
type Budget struct {
	limit, reserve int
	capacity       int64 // limit - reserve; 0: unlimited
	log            *slog.Logger
	inUse          atomic.Int64
	refused        atomic.Uint64
	logs           ratelog.Limiter
}

// NewBudget returns a budget of limit-reserve descriptors. A limit of 0
// (unknown, as Raise returns where there are no limits) counts without
// refusing. A reserve of 0 means DefaultReserve(limit). It returns an
// error wrapping ErrNoBudget if the reserve is not under the limit.
// Refusals are logged to log (slog.Default() if nil), at most once a
// second.
func NewBudget(limit, reserve int, log *slog.Logger) (*Budget, error) {
	if log == nil {
		log = slog.Default()
	}
	if reserve <= 0 {
		reserve = DefaultReserve(limit)
	}
	b := &Budget{limit: limit, reserve: reserve, log: log}
	if limit > 0 {
		if reserve >= limit {
			return nil, fmt.Errorf("%w: reserve %d, limit %d", ErrNoBudget, reserve, limit)
		}
		b.capacity = int64(limit - reserve)
	}
	return b, nil
}

// Limit returns the open-files limit the budget was made for; 0 means
// unknown.
func (b *Budget) Limit() int { return b.limit }

// Capacity returns how many descriptors peer connections may hold; 0
// means no limit.
func (b *Budget) Capacity() int { return int(b.capacity) }

// Reserve returns the descriptors kept for everything but peers.
func (b *Budget) Reserve() int { return b.reserve }

// InUse returns how many descriptors peer connections hold.
func (b *Budget) InUse() int { return int(b.inUse.Load()) }

// Refused returns how many connections were closed at once because the
// budget was spent.
func (b *Budget) Refused() uint64 { return b.refused.Load() }

// TryAcquire takes one descriptor from the budget, if one is left, and
// reports whether it did. Release gives it back.
func (b *Budget) TryAcquire() bool {
	if b.capacity == 0 {
		b.inUse.Add(1)
		return true
	}
	for {
		n := b.inUse.Load()
		if n >= b.capacity {
			return false
		}
		if b.inUse.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Release gives back a descriptor TryAcquire took.
func (b *Budget) Release() { b.inUse.Add(-1) }

// Listener wraps ln so that each connection it accepts holds a descriptor
// of the budget until it is closed. A connection accepted while the
// budget is spent is closed at once, counted and logged (rate-limited),
// and Accept waits for the next one.
func (b *Budget) Listener(ln net.Listener) net.Listener {
	return &budgetListener{Listener: ln, b: b}
}

// budgetListener is the net.Listener of Budget.Listener.
type budgetListener struct {
	net.Listener
	b *Budget
}

// Accept returns the next connection the budget has room for.
func (l *budgetListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.b.TryAcquire() {
			return &budgetConn{Conn: conn, b: l.b}, nil
		}
		l.b.refuse(l.Addr(), conn.RemoteAddr()) // counted before the peer sees the close
		conn.Close()
	}
}

// refuse counts and logs a connection refused for want of descriptors.
func (b *Budget) refuse(local, remote net.Addr) {
	b.refused.Add(1)
	if n, ok := b.logs.Allow(); ok {
		b.log.Warn("fdlimit: refused connection: descriptor reserve reached",
			"listen", local.String(), "remote", remote.String(), "peer_fds", b.capacity,
			"reserve", b.reserve, "limit", b.limit, "suppressed", n)
	}
}

// budgetConn is a connection holding a descriptor of its Budget until it
// is closed.
type budgetConn struct {
	net.Conn
	b      *Budget
	closed atomic.Bool
}

// Close closes the connection and, the first time, gives its descriptor
// back.
func (c *budgetConn) Close() error {
	err := c.Conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		c.b.Release()
	}
	return err
}

// NetConn returns the wrapped connection, as tls.Conn.NetConn does, so
// that callers can set TCP options on it.
func (c *budgetConn) NetConn() net.Conn { return c.Conn }

// CloseWrite shuts down the writing side of a TCP connection, for an
// HTTP server's lingering close.
func (c *budgetConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}
