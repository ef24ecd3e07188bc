package teomq

import (
	"context"

	"github.com/teonet-go/teomq/wire"
)

// Operator requests. Each asks the broker over the client's connection and
// returns its reply; the broker checks it against the client's admin right
// on the command (on "" for Stats and Commands), which the default policy
// gives to clients on the broker's machine, and refuses it with an error
// matching ErrForbidden otherwise. A command the broker does not have
// gives ErrNotFound.
//
// ctx bounds the wait for the reply; when it ends first, the request may
// still be carried out. A request made while the client is reconnecting
// waits for the connection; one whose connection drops before its reply
// fails with ErrConnectionLost. The methods are safe for concurrent use.

// Stats returns the broker's counts, as Broker.Stats gives them in the
// broker's process.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	_, err := c.admin(ctx, wire.AdminStats, "", nil, &s)
	return s, err
}

// Commands describes the broker's commands by name: their queues, groups
// (durable ones included while no consumer is left) and consumers.
func (c *Client) Commands(ctx context.Context) (CommandList, error) {
	var l CommandList
	_, err := c.admin(ctx, wire.AdminCommands, "", nil, &l)
	return l, err
}

// DeadLetters lists the oldest dead letters of command, without their
// data, and how many it has.
func (c *Client) DeadLetters(ctx context.Context, command string) (DeadLetterList, error) {
	var l DeadLetterList
	_, err := c.admin(ctx, wire.AdminDeadLetters, command, nil, &l)
	return l, err
}

// DeadLetter returns the dead letter id of command with its data, or an
// error matching ErrNotFound. A message dead in several groups is
// returned as its first group (in creation order) holds it.
func (c *Client) DeadLetter(ctx context.Context, command string, id MessageID) (DeadLetter, error) {
	var d DeadLetter
	data, err := c.admin(ctx, wire.AdminDeadLetter, command, &adminArgs{IDs: []MessageID{id}}, &d)
	if err != nil {
		return DeadLetter{}, err
	}
	d.Data = data
	return d, nil
}

// Replay moves dead letters of command back to the head of their group's
// queue with their delivery count reset: those with the given IDs, or all
// of them when none is given. It returns how many moved (an ID that is not
// a dead letter is skipped; one dead in two groups counts twice). A
// replayed request's producer already got ErrDeadLetter: the answer goes
// nowhere.
func (c *Client) Replay(ctx context.Context, command string, ids ...MessageID) (int, error) {
	return c.count(ctx, wire.AdminReplay, command, &adminArgs{IDs: ids})
}

// PurgeDeadLetters deletes every dead letter of command and returns how
// many it deleted.
func (c *Client) PurgeDeadLetters(ctx context.Context, command string) (int, error) {
	return c.count(ctx, wire.AdminPurgeDeadLetters, command, nil)
}

// DeleteGroup deletes a durable group of command ("" is the default
// group) that has no consumers, or returns an error matching
// ErrGroupInUse. Every message the group holds, waiting or dead, is
// acked for it, which frees its place in the command's queue: a group
// whose consumers are gone otherwise holds the queue up to
// BrokerConfig.MaxQueueLen forever. It returns how many messages the group
// held. A request whose last copy was in the group fails with ErrPurged.
func (c *Client) DeleteGroup(ctx context.Context, command, group string) (int, error) {
	return c.count(ctx, wire.AdminDeleteGroup, command, &adminArgs{Group: group})
}

// PurgeQueue removes the messages of command that wait for a consumer,
// in every group, and returns how many it removed (a message waiting in
// two groups counts twice). Messages in flight are left to finish: their
// answers still reach their producers, and one that comes back unanswered
// (a retry, a lease end, a consumer gone) waits again. Dead letters stay
// (see PurgeDeadLetters). A request whose message is removed fails with
// ErrPurged.
func (c *Client) PurgeQueue(ctx context.Context, command string) (int, error) {
	return c.count(ctx, wire.AdminPurgeQueue, command, nil)
}

// count makes an operator request whose reply is a count.
func (c *Client) count(ctx context.Context, op wire.AdminOp, command string, args *adminArgs) (int, error) {
	var n adminCount
	_, err := c.admin(ctx, op, command, args, &n)
	return n.N, err
}
