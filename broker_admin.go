package teomq

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/wire"
)

// Operator requests arrive as wire.AdminRequest frames on a peer's
// connection, Go or browser, and are answered on it with one
// wire.AdminReply each. A request is checked against the peer's admin
// right on its command ("" for the broker-wide stats and commands, which
// only the pattern "*" grants) and refused with CodeForbidden otherwise;
// under the default policy loopback peers may make them.
//
// The changes they make (purges, replays, group deletions) reach the store
// as the router's actions, written like acks: durable with the store's
// next sync, and so agreed on by a restart.

// Errors of operator requests, mapped to their wire codes by adminCode;
// their texts go to the operator.
var (
	errNoCommand    = errors.New("no such command")
	errNoGroup      = errors.New("no such group")
	errNoDeadLetter = errors.New("no such dead letter")
	errGroupInUse   = errors.New("the group has consumers; stop them first")
	errUnknownOp    = errors.New("unknown operator request")
	errBadArgs      = errors.New("bad arguments")
)

// adminReplySlack is what an admin reply's frame needs besides its
// payload and data.
const adminReplySlack = 4 << 10

// onAdmin answers an operator request.
func (c *brokerConn) onAdmin(f *wire.AdminRequest) {
	b := c.b
	scope := f.Command
	if f.Op == wire.AdminStats || f.Op == wire.AdminCommands {
		scope = ""
	}
	reply := &wire.AdminReply{ReqID: f.ReqID}
	if err := c.allow(policy.Admin, scope, ""); err != nil {
		reply.Code, reply.Message = wire.CodeForbidden, err.Error()
		c.send(reply)
		return
	}
	var args adminArgs
	if len(f.Args) > 0 {
		if err := json.Unmarshal(f.Args, &args); err != nil {
			reply.Code, reply.Message = wire.CodeMalformed, fmt.Sprintf("%v: %v", errBadArgs, err)
			c.send(reply)
			return
		}
	}
	payload, err := b.operate(f.Op, f.Command, &args, reply)
	err = operatorError(err, f.Command, args.Group)
	if err == nil {
		reply.Payload, err = json.Marshal(payload)
	}
	if err != nil {
		reply.Code, reply.Message, reply.Payload, reply.Data = adminCode(err), err.Error(), nil, nil
	}
	c.send(reply)
	if err == nil && mutates(f.Op) {
		if more, ok := b.opsLog.Allow(); ok {
			b.log.Info("teomq: operator request done", "peer", c.addr, "op", f.Op, "command", f.Command, "group", args.Group, "result", string(reply.Payload), "more", more)
		}
	}
}

// mutates reports whether op changes the broker's state.
func mutates(op wire.AdminOp) bool {
	switch op {
	case wire.AdminReplay, wire.AdminPurgeDeadLetters, wire.AdminDeleteGroup, wire.AdminPurgeQueue:
		return true
	}
	return false
}

// operate carries out an operator request and returns its reply's
// payload; AdminDeadLetter puts the message's bytes in reply.Data.
func (b *Broker) operate(op wire.AdminOp, command string, args *adminArgs, reply *wire.AdminReply) (any, error) {
	if b.cluster != nil {
		return b.operateCluster(op, command, args, reply)
	}
	now := time.Now()
	switch op {
	case wire.AdminStats:
		return b.Stats(), nil
	case wire.AdminCommands:
		return b.commandList(), nil
	case wire.AdminDeadLetters:
		return b.deadLetterList(command)
	case wire.AdminDeadLetter:
		if len(args.IDs) != 1 {
			return nil, fmt.Errorf("%w: want one id, got %d", errBadArgs, len(args.IDs))
		}
		b.mu.Lock()
		dl, ok := b.router.FindDeadLetter(command, router.ID(args.IDs[0]))
		b.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("%w %s in %q", errNoDeadLetter, args.IDs[0], command)
		}
		d := deadLetter(dl)
		reply.Data = dl.Msg.Data
		return d, nil
	case wire.AdminReplay:
		var ids []router.ID
		for _, id := range args.IDs {
			ids = append(ids, router.ID(id))
		}
		return b.change(func() ([]router.Action, int, error) {
			if _, ok := b.router.Command(command); !ok {
				return nil, 0, router.ErrUnknownCommand
			}
			acts, n := b.router.Replay(now, command, ids)
			return acts, n, nil
		})
	case wire.AdminPurgeDeadLetters:
		return b.change(func() ([]router.Action, int, error) { return b.router.PurgeDeadLetters(now, command) })
	case wire.AdminDeleteGroup:
		return b.change(func() ([]router.Action, int, error) { return b.router.DeleteGroup(now, command, args.Group) })
	case wire.AdminPurgeQueue:
		return b.change(func() ([]router.Action, int, error) { return b.router.PurgeQueue(now, command) })
	}
	return nil, fmt.Errorf("%w: %v", errUnknownOp, op)
}

// change runs a router operation that changes state, with b.mu held, and
// carries out its actions. It refuses while the store is failed: the
// change could not be stored.
func (b *Broker) change(do func() ([]router.Action, int, error)) (adminCount, error) {
	b.mu.Lock()
	if err := b.storeErr; err != nil {
		b.unlock()
		return adminCount{}, fmt.Errorf("%w: %w", ErrStoreFailed, err)
	}
	acts, n, err := do()
	b.exec(acts)
	b.unlock()
	return adminCount{N: n}, err
}

// commandList describes the broker's commands, as many as fit a frame.
func (b *Broker) commandList() CommandList {
	b.mu.Lock()
	infos := b.router.Commands()
	b.mu.Unlock()
	return b.commandListOf(infos)
}

// commandListOf describes infos, as many as fit a frame.
func (b *Broker) commandListOf(infos []router.CommandInfo) CommandList {
	list := CommandList{Total: len(infos), Commands: make([]CommandInfo, len(infos))}
	for i := range infos {
		list.Commands[i] = commandInfo(&infos[i])
	}
	list.Commands = fit(list.Commands, b.cfg.maxFrame()-adminReplySlack, func(c []CommandInfo) any {
		return CommandList{Total: list.Total, Commands: c}
	})
	return list
}

// deadLetterList lists the oldest dead letters of command, as many as fit
// a frame.
func (b *Broker) deadLetterList(command string) (DeadLetterList, error) {
	b.mu.Lock()
	_, known := b.router.Command(command)
	dls, total := b.router.OldestDeadLetters(command, MaxListedDeadLetters)
	b.mu.Unlock()
	if !known {
		return DeadLetterList{}, router.ErrUnknownCommand
	}
	return b.deadLetterListOf(dls, total), nil
}

// deadLetterListOf lists dls of total, as many as fit a frame.
func (b *Broker) deadLetterListOf(dls []router.DeadLetter, total int) DeadLetterList {
	list := DeadLetterList{Total: total, Letters: make([]DeadLetter, len(dls))}
	for i, dl := range dls {
		list.Letters[i] = deadLetter(dl)
	}
	list.Letters = fit(list.Letters, b.cfg.maxFrame()-adminReplySlack, func(l []DeadLetter) any {
		return DeadLetterList{Total: total, Letters: l}
	})
	return list
}

// fit returns the longest head of items whose payload, as wrap makes it,
// encodes in at most limit bytes (halving until it does).
func fit[T any](items []T, limit int, wrap func([]T) any) []T {
	for len(items) > 0 {
		b, err := json.Marshal(wrap(items))
		if err == nil && len(b) <= limit {
			break
		}
		items = items[:len(items)/2]
	}
	return items
}

// commandInfo is the operator's view of the router's description.
func commandInfo(ci *router.CommandInfo) CommandInfo {
	out := CommandInfo{
		Name:        ci.Name,
		Messages:    ci.Messages,
		Pending:     ci.Pending,
		InFlight:    ci.InFlight,
		DeadLetters: ci.DeadLetters,
		Subscribers: ci.Subscribers(),
		Published:   ci.Published,
		Delivered:   ci.Delivered,
		Answered:    ci.Answered,
		Groups:      make([]GroupInfo, len(ci.Groups)),
	}
	for i, g := range ci.Groups {
		gi := GroupInfo{
			Name: g.Name, Durable: !g.Ephemeral,
			Pending: g.Pending, InFlight: g.InFlight, DeadLetters: g.Dead,
			Consumers: make([]ConsumerInfo, len(g.Consumers)),
		}
		for j, s := range g.Consumers {
			gi.Consumers[j] = ConsumerInfo{Address: s.Address, Credit: s.Credit, Outstanding: s.Outstanding}
		}
		out.Groups[i] = gi
	}
	return out
}

// deadLetter is the operator's view of a router dead letter, without data.
func deadLetter(dl router.DeadLetter) DeadLetter {
	return DeadLetter{
		ID:        MessageID(dl.Msg.ID),
		Group:     dl.Group,
		Attempts:  dl.Attempts,
		LastError: dl.LastError,
		From:      dl.Msg.From,
		Request:   dl.Msg.Request,
		Size:      len(dl.Msg.Data),
	}
}

// operatorError rewords the router's errors for the operator.
func operatorError(err error, command, group string) error {
	switch {
	case errors.Is(err, router.ErrUnknownCommand):
		return fmt.Errorf("%w %q", errNoCommand, command)
	case errors.Is(err, router.ErrUnknownGroup):
		return fmt.Errorf("%w %q in %q", errNoGroup, group, command)
	case errors.Is(err, router.ErrGroupInUse):
		return fmt.Errorf("%w (group %q of %q)", errGroupInUse, group, command)
	}
	return err
}

// adminCode maps an operator request's error to its wire code.
func adminCode(err error) wire.Code {
	switch {
	case errors.Is(err, errNoCommand), errors.Is(err, errNoGroup), errors.Is(err, errNoDeadLetter):
		return wire.CodeNotFound
	case errors.Is(err, errGroupInUse):
		return wire.CodeInUse
	case errors.Is(err, errUnknownOp):
		return wire.CodeUnknownOp
	case errors.Is(err, ErrStoreFailed):
		return wire.CodeStoreFailed
	case errors.Is(err, engine.ErrUnavailable):
		return wire.CodeStoreUnavailable
	}
	return wire.CodeMalformed // errBadArgs; no other error is expected
}
