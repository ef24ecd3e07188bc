package teomq

import (
	"errors"
	"fmt"
	"strings"

	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// greet reads the broker's first frame on a new channel: its Info, or the
// error with which it refuses the client before closing the channel.
func greet(ch *teonet.Channel) (*wire.Info, error) {
	b, err := ch.Recv()
	if err != nil {
		return nil, err
	}
	f, err := wire.Decode(b)
	switch f := f.(type) {
	case *wire.Info:
		return f, nil
	case *wire.Error:
		return nil, brokerError(f.Code, f.Message)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the broker's first frame: %w", ErrProtocol, err)
	}
	return nil, fmt.Errorf("%w: the broker sent %v before its info", ErrProtocol, f.Type())
}

// refuse handles an error of a dial or a greeting of the broker at peer.
// Once every listed broker has failed in a way that a retry cannot fix,
// a Connect in progress ends with the last such error; once connected,
// the client keeps redialing (a broker's policy may change) and says why
// at Warn. Other errors only wait for the next dial. Called on the
// redialer's goroutine.
func (c *Client) refuse(peer string, err error) {
	if !permanent(err) {
		c.log.Debug("teomq: broker connection failed", "broker", peer, "err", err)
		return
	}
	if !c.refusals.add(peer, err) {
		c.log.Debug("teomq: broker refuses this client; trying the others", "broker", peer, "err", err)
		return
	}
	select {
	case <-c.ready:
		c.log.Warn("teomq: the broker refuses this client; retrying", "broker", peer, "err", err)
	default:
		select {
		case c.refused <- err:
		default:
		}
	}
}

// refusals remembers which brokers of a client's list refused it for
// good, to end a Connect only when all did.
type refusals struct {
	brokers int              // brokers listed (distinct addresses)
	by      map[string]error // broker address -> its last permanent error
}

// newRefusals returns the refusals of a client of targets, which parse.
func newRefusals(targets []string) refusals {
	addrs := make(map[string]bool, len(targets))
	for _, t := range targets {
		addr, _, _ := teonet.ParseTarget(t)
		addrs[addr] = true
	}
	return refusals{brokers: len(addrs), by: make(map[string]error)}
}

// add records err of the broker at peer and reports whether every listed
// broker has now refused.
func (r *refusals) add(peer string, err error) bool {
	r.by[peer] = err
	return len(r.by) >= r.brokers
}

// brokerList splits Connect's broker argument into its targets.
func brokerList(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if parts[i] = strings.TrimSpace(p); parts[i] == "" {
			return nil, fmt.Errorf("%w: %q: empty broker in the list", teonet.ErrBadTarget, s)
		}
	}
	return parts, nil
}

// permanent reports whether a dial or greeting that failed with err would
// fail the same way if retried: see Connect.
func permanent(err error) bool {
	return teonet.Permanent(err) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrProtocol)
}
