// Package engine is the boundary between a broker's peer connections and
// the engine that keeps its queues when that engine is not the broker's
// own router and store: the JetStream cluster engine of package cluster.
//
// The broker checks each frame (size, policy) and calls the Engine; the
// Engine calls the broker's Host to send frames back to its peers. Both
// name peers by router.ConnID and messages by router.ID, and speak in the
// router's vocabulary (Message, AnswerKind, ResultCode, its errors), so
// that one broker maps both engines to the wire protocol the same way.
package engine

import (
	"time"

	"github.com/teonet-go/teomq/router"
)

// Engine keeps a broker's queues. The broker calls it from its peers'
// goroutines; every method is safe for concurrent use. Methods that return
// an error return the router's errors (router.ErrUnknownID,
// router.ErrStaleAttempt, router.ErrBadName...) or ErrUnavailable,
// wrapped.
type Engine interface {
	// Connect tells the engine that peer address is connected as conn.
	Connect(conn router.ConnID, address string)
	// Disconnect tells the engine that conn is gone: its deliveries go to
	// other consumers at once.
	Disconnect(conn router.ConnID)
	// Publish stores m, published by conn, and confirms it with
	// Host.Confirm once stored (or refused). It does not wait for the
	// store; m is the engine's from here on.
	Publish(conn router.ConnID, m *router.Message)
	// Subscribe subscribes conn's subscription subID to command in group,
	// taking up to credit messages at a time.
	Subscribe(conn router.ConnID, subID uint32, command, group string, credit int, ephemeral bool) error
	// Unsubscribe ends a subscription: its deliveries go to other
	// consumers.
	Unsubscribe(conn router.ConnID, subID uint32) error
	// SetCredit changes how many messages a subscription takes at a time.
	SetCredit(conn router.ConnID, subID uint32, credit int) error
	// Answer takes conn's answer to attempt of message id.
	Answer(conn router.ConnID, id router.ID, attempt int, kind router.AnswerKind, data []byte) error
	// Touch extends the lease of conn's attempt of message id by d.
	Touch(conn router.ConnID, id router.ID, attempt int, d time.Duration) error
	Operator
	// MaxMessageSize is the largest payload the engine stores.
	MaxMessageSize() int
	// Close stops the engine; deliveries not answered go to other brokers'
	// consumers.
	Close() error
}

// Host is what an engine needs from its broker: frames to peers. Its
// methods only queue frames, never wait for a peer, and are safe for
// concurrent use. Those that report whether they did report false when
// conn is no longer connected.
type Host interface {
	// Deliver sends m to subscription subID of conn as attempt.
	Deliver(conn router.ConnID, subID uint32, m *router.Message, attempt int) bool
	// Confirm tells conn whether its publish of id is stored: err is nil,
	// or ErrUnavailable, router.ErrBadName... wrapped.
	Confirm(conn router.ConnID, id router.ID, err error)
	// Result sends conn the result of its request id, and reports whether
	// conn took it (false: gone, or its broker closing).
	Result(conn router.ConnID, id router.ID, code router.ResultCode, from string, data []byte) bool
}

// Operator is what an engine tells and does for the broker's operators,
// over every broker that shares its queues. Errors: router.ErrUnknownCommand,
// router.ErrUnknownGroup, router.ErrGroupInUse, or ErrUnavailable, wrapped.
type Operator interface {
	// Commands describes the commands and their groups; the consumers
	// listed are this broker's.
	Commands() ([]router.CommandInfo, error)
	// Connections counts this broker's peers.
	Connections() int
	// Mailbox counts the results waiting for their producers.
	Mailbox() (int, error)
	// DeadLetters returns up to limit of command's oldest dead letters,
	// and how many it has.
	DeadLetters(command string, limit int) ([]router.DeadLetter, int, error)
	// DeadLetter returns command's dead letter id, and whether it has it.
	DeadLetter(command string, id router.ID) (router.DeadLetter, bool, error)
	// Replay hands command's dead letters with the given IDs back to their
	// groups, and returns how many it replayed.
	Replay(command string, ids []router.ID) (int, error)
	// PurgeDeadLetters drops command's dead letters and returns how many.
	PurgeDeadLetters(command string) (int, error)
	// DeleteGroup deletes command's group with the copies it holds and
	// returns how many.
	DeleteGroup(command, group string) (int, error)
	// PurgeQueue drops command's waiting messages, in every group, and
	// returns how many.
	PurgeQueue(command string) (int, error)
}
