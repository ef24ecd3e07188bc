package cluster

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// The brokers of one cluster tell each other two things over plain NATS
// control subjects:
//   - PREFIX.ctl.forget, a command's name: an operator deleted one of its
//     groups, so what a broker knows of the command's queue (e.known) may
//     be wrong; each broker forgets it and looks again at its next publish;
//   - PREFIX.ctl.inuse.<command>.<group>, a request: a broker with
//     subscribers of that group replies, so that DeleteGroup refuses a
//     group in use on any broker.

// knownTTL bounds how long a broker trusts what it learned of a command's
// queue, should a forget be lost.
const knownTTL = 30 * time.Second

// inUseWait is how long DeleteGroup waits for a broker to say the group is
// in use.
const inUseWait = 500 * time.Millisecond

// startControl subscribes to the control subjects.
func (e *Engine) startControl() error {
	forget, err := e.nc.Subscribe(e.cfg.Prefix+".ctl.forget", func(msg *nats.Msg) { e.forget(string(msg.Data)) })
	if err != nil {
		return err
	}
	inUse, err := e.nc.Subscribe(e.cfg.Prefix+".ctl.inuse.>", e.onInUse)
	if err != nil {
		_ = forget.Unsubscribe()
		return err
	}
	e.controlSubs = []*nats.Subscription{forget, inUse}
	return nil
}

// forget drops what the engine learned of command's queue and groups.
func (e *Engine) forget(command string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.known, command)
	for key := range e.knownGroups {
		if key.command == command {
			delete(e.knownGroups, key)
		}
	}
}

// tellForget has every broker, this one too, forget command's queue.
func (e *Engine) tellForget(command string) {
	e.forget(command)
	if err := e.nc.Publish(e.cfg.Prefix+".ctl.forget", []byte(command)); err != nil {
		e.logError("teomq: cluster: other brokers not told of a deleted group; they look again within "+knownTTL.String(), err, "command", command)
	}
}

// onInUse replies to a DeleteGroup's question if the group has
// subscribers here.
func (e *Engine) onInUse(msg *nats.Msg) {
	command, group, ok := parsePair(strings.TrimPrefix(msg.Subject, e.cfg.Prefix+".ctl.inuse."), ".")
	if !ok {
		return
	}
	e.mu.Lock()
	g := e.groups[groupKey{command: command, group: group}]
	e.mu.Unlock()
	if g != nil {
		_ = msg.Respond([]byte("1"))
	}
}

// groupInUse reports whether key's group has subscribers on any broker.
func (e *Engine) groupInUse(ctx context.Context, key groupKey) (bool, error) {
	e.mu.Lock()
	local := e.groups[key] != nil
	e.mu.Unlock()
	if local {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, inUseWait)
	defer cancel()
	subject := e.cfg.Prefix + ".ctl.inuse." + token(key.command) + "." + groupToken(key.group)
	_, err := e.nc.RequestWithContext(ctx, subject, nil)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrNoResponders):
		return false, nil
	}
	return false, unavailable(err)
}
