package router

import "errors"

// Errors returned by Router methods. Callers compare with errors.Is: some
// are wrapped with detail.
var (
	// ErrDuplicate is returned by Admit when the producer published the
	// message ID before: it is still queued or dead-lettered, or finished
	// within the dedup window. The message is not queued again.
	ErrDuplicate = errors.New("router: duplicate message id")
	// ErrIDInUse is returned by Admit when another producer's message with
	// the same ID is still queued (or dead-lettered). Message IDs are
	// unique per producer: the publish is refused, nothing is queued, and
	// the producer may publish again with a new ID.
	ErrIDInUse = errors.New("router: message id in use by another producer")
	// ErrNoAnswerGroup is returned by Admit for a request whose
	// AnswerGroup names a group the command does not have. Only the
	// default group is created for a request; a named group is created by
	// subscribing to it.
	ErrNoAnswerGroup = errors.New("router: no such answer group")
	// ErrQueueFull is returned by Admit when the command has
	// Config.MaxQueueLen messages admitted and not yet finished, or their
	// payloads would pass Config.MaxQueueBytes. It is wrapped with the
	// limit reached.
	ErrQueueFull = errors.New("router: queue full")
	// ErrBadName is returned when a command or group name is empty, longer
	// than MaxNameLen bytes, not UTF-8, or holds a space or control
	// character. It is wrapped with the reason.
	ErrBadName = errors.New("router: bad name")
	// ErrUnknownID is returned by Answer and Touch when the message is not
	// in flight in any group of the connection.
	ErrUnknownID = errors.New("router: message not in flight")
	// ErrStaleAttempt is returned by Answer and Touch when the connection
	// answers a delivery attempt that is no longer the current one (the
	// message was requeued and may be held by another consumer).
	ErrStaleAttempt = errors.New("router: stale delivery attempt")
	// ErrUnknownSub is returned by Unsubscribe and SetCredit when the
	// connection has no subscription with that ID.
	ErrUnknownSub = errors.New("router: unknown subscription")
	// ErrDuplicateSub is returned by Subscribe when the connection already
	// uses the subscription ID.
	ErrDuplicateSub = errors.New("router: subscription id in use")
	// ErrBadCredit is returned by Subscribe for a credit below 1 and by
	// SetCredit for a negative credit.
	ErrBadCredit = errors.New("router: bad credit")
	// ErrBadKind is returned by Answer when the answer kind is not Reply,
	// Fail or Retry.
	ErrBadKind = errors.New("router: bad answer kind")
	// ErrUnknownCommand is returned by the operator methods (PurgeQueue,
	// PurgeDeadLetters, DeleteGroup) for a command the router does not
	// know: never used, or forgotten as idle.
	ErrUnknownCommand = errors.New("router: unknown command")
	// ErrUnknownGroup is returned by DeleteGroup when the command has no
	// group of that name.
	ErrUnknownGroup = errors.New("router: unknown group")
	// ErrGroupInUse is returned by DeleteGroup for a group that has
	// subscribers: they must leave first.
	ErrGroupInUse = errors.New("router: group has subscribers")
)
