package teomq

import (
	"errors"
	"fmt"

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

// refuse handles an error of a dial or a greeting. One that a retry cannot
// fix ends a Connect in progress; once connected, the client keeps
// redialing (the broker's policy may change) and says why at Warn. Other
// errors only wait for the next dial. Called on the redialer's goroutine.
func (c *Client) refuse(err error) {
	if !permanent(err) {
		c.log.Debug("teomq: broker connection failed", "err", err)
		return
	}
	select {
	case <-c.ready:
		c.log.Warn("teomq: the broker refuses this client; retrying", "err", err)
	default:
		select {
		case c.refused <- err:
		default:
		}
	}
}

// permanent reports whether a dial or greeting that failed with err would
// fail the same way if retried: see Connect.
func permanent(err error) bool {
	return teonet.Permanent(err) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrProtocol)
}
