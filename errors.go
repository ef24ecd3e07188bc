package teomq

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by Client and Broker methods. Errors the broker reports
// are *BrokerError values that match these with errors.Is.
var (
	// ErrClosed is returned by the methods of a closed Client or Broker.
	ErrClosed = errors.New("teomq: closed")
	// ErrQueueFull is returned when the command's queue is at its length
	// or byte limit (BrokerConfig.MaxQueueLen, MaxQueueBytes); the error
	// names the limit, and the message was not stored. Send it again once
	// consumers have drained the queue.
	ErrQueueFull = errors.New("teomq: queue full")
	// ErrTooLarge is returned when a message exceeds the broker's size
	// limit; the message was not stored.
	ErrTooLarge = errors.New("teomq: message too large")
	// ErrBadName is returned for an empty, too long or non-printable command
	// or group name.
	ErrBadName = errors.New("teomq: bad command or group name")
	// ErrStoreFailed is returned when the broker could not store the
	// message durably; it was not stored. The broker's store failed for
	// good: the broker refuses publishes until it is restarted on a sound
	// disk.
	ErrStoreFailed = errors.New("teomq: broker store failed")
	// ErrStoreUnavailable is returned when the broker's store is short of
	// a resource for now (file descriptors, disk space, memory): the
	// message was not stored; send it again later. The broker takes
	// publishes again by itself once the resource is back; Broker.Health
	// returns an error matching it meanwhile.
	ErrStoreUnavailable = errors.New("teomq: broker store unavailable, retry later")
	// ErrTimeout is returned when a request's deadline passed before a
	// consumer answered it.
	ErrTimeout = errors.New("teomq: request timed out")
	// ErrDeadLetter is returned to a requester when its message exceeded the
	// broker's max deliveries and moved to the dead-letter queue.
	ErrDeadLetter = errors.New("teomq: message dead-lettered")
	// ErrShutdown is returned when the broker is shutting down.
	ErrShutdown = errors.New("teomq: broker shutting down")
	// ErrForbidden is returned when the broker's policy does not allow the
	// client's address (or page's origin) the action on the command: to
	// publish it, to consume it in that group, or to administer it.
	ErrForbidden = errors.New("teomq: forbidden")
	// ErrProtocol is returned when a peer breaks the protocol.
	ErrProtocol = errors.New("teomq: protocol error")
	// ErrBadConfig is returned by NewBroker for an invalid BrokerConfig.
	ErrBadConfig = errors.New("teomq: invalid configuration")
	// ErrNoClusterEngine is returned by NewBroker when BrokerConfig.Cluster
	// is set and the program links no cluster engine.
	ErrNoClusterEngine = errors.New(`teomq: no cluster engine linked: add import _ "github.com/teonet-go/teomq/cluster"`)
	// ErrNoDiskStore is returned by NewBroker when the durability needs a
	// disk store (DurabilitySync, DurabilityInterval) and the program
	// links none: add the blank import of the pebble store.
	ErrNoDiskStore = errors.New(`teomq: no disk store linked: add import _ "github.com/teonet-go/teomq/store/pebblestore"`)
	// ErrIDInUse is returned when a message ID given WithID belongs to
	// another producer's message still queued: IDs are unique per
	// producer. The message was not stored; send it with a new ID.
	ErrIDInUse = errors.New("teomq: message id in use by another producer")
	// ErrNoAnswerGroup is returned by Request when the group named with
	// AnswerGroup does not exist for the command (the request was not
	// stored), or went away (an ephemeral group's last member left) before
	// it answered.
	ErrNoAnswerGroup = errors.New("teomq: no such answer group")
	// ErrNotFound is returned by an operator request for a command, group
	// or dead letter the broker does not have.
	ErrNotFound = errors.New("teomq: not found")
	// ErrGroupInUse is returned by Client.DeleteGroup for a group that
	// still has consumers: they must unsubscribe first.
	ErrGroupInUse = errors.New("teomq: group has consumers")
	// ErrPurged is returned to a requester when an operator removed its
	// message before a consumer answered it (Client.PurgeQueue,
	// Client.DeleteGroup).
	ErrPurged = errors.New("teomq: message purged")
	// ErrConnectionLost is returned by an operator request whose
	// connection to the broker ended before the reply came: the broker may
	// or may not have carried it out.
	ErrConnectionLost = errors.New("teomq: connection lost")
	// ErrCancelled is returned by Request for a message ID (WithID) whose
	// request this producer cancelled before it was answered: a request
	// whose context ended. Send it with a new ID to ask again.
	ErrCancelled = errors.New("teomq: request cancelled by its producer")
	// ErrDiskBudget is returned when the broker's store takes its whole
	// disk budget (BrokerConfig.MaxDisk): the message was not stored.
	// Send it again once consumers have drained the queues.
	ErrDiskBudget = errors.New("teomq: broker disk budget reached")
)

// BrokerError is an error the broker reported for an operation, with its
// code. It matches the package's sentinel of the same meaning with
// errors.Is.
type BrokerError struct {
	Code    Code
	Message string // the broker's detail; may be empty
}

// Error implements error.
func (e *BrokerError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("teomq: broker: %v", e.Code)
	}
	return fmt.Sprintf("teomq: broker: %v: %s", e.Code, e.Message)
}

// Unwrap returns the sentinel matching e's code, if any.
func (e *BrokerError) Unwrap() error { return codeSentinel(e.Code) }

// RemoteError is a consumer handler's error, delivered to the requester.
type RemoteError struct {
	ID      MessageID // the request's ID
	From    string    // the answering consumer's address
	Message string    // the handler's error text
}

// Error implements error.
func (e *RemoteError) Error() string {
	return fmt.Sprintf("teomq: remote error from %s: %s", e.From, e.Message)
}

// codeSentinel maps a code to the package's sentinel error.
func codeSentinel(c Code) error {
	switch c {
	case CodeQueueFull:
		return ErrQueueFull
	case CodeTooLarge:
		return ErrTooLarge
	case CodeBadName:
		return ErrBadName
	case CodeStoreFailed:
		return ErrStoreFailed
	case CodeStoreUnavailable:
		return ErrStoreUnavailable
	case CodeTimeout:
		return ErrTimeout
	case CodeDeadLetter:
		return ErrDeadLetter
	case CodeShutdown:
		return ErrShutdown
	case CodeIDInUse:
		return ErrIDInUse
	case CodeNoAnswerGroup:
		return ErrNoAnswerGroup
	case CodeDiskBudget:
		return ErrDiskBudget
	case CodeCancelled:
		return ErrCancelled
	case CodeMalformed, CodeUnknownType, CodeBadVersion,
		CodeUnknownID, CodeStaleAttempt, CodeUnknownOp:
		return ErrProtocol
	case CodeForbidden:
		return ErrForbidden
	case CodeNotFound:
		return ErrNotFound
	case CodeGroupInUse:
		return ErrGroupInUse
	case CodePurged:
		return ErrPurged
	}
	return nil
}

// retryError marks a handler error that asks for redelivery.
type retryError struct{ err error }

func (e *retryError) Error() string { return "retry: " + e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// Retry wraps err so that a Handler returning it asks the broker to
// redeliver the message later (with growing delays) instead of answering.
// After the broker's max deliveries the message is dead-lettered.
func Retry(err error) error {
	if err == nil {
		err = errors.New("retry requested")
	}
	return &retryError{err: err}
}

// opError is the error of a Client operation: "teomq: ", the operation and
// the cause's message without the cause's own "teomq: " prefix, so that a
// wrapped error of this package does not repeat it. errors.Is and
// errors.As see the cause.
type opError struct {
	op  string // "connect to ADDRESS", "request ID", ...
	err error
}

func (e *opError) Error() string {
	return "teomq: " + e.op + ": " + strings.TrimPrefix(e.err.Error(), "teomq: ")
}

func (e *opError) Unwrap() error { return e.err }

// tooLargeError is the error of a message or reply over the broker's
// MaxMessageSize, given before it is sent: ErrTooLarge naming the size and
// the limit, as the broker's refusal does.
func tooLargeError(size int, limit int64) error {
	return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, limit)
}
