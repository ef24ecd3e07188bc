package router

import "time"

// Observer is told of routing events as they happen, for metrics: the
// broker counts them per command and group. Set it in Config.Observer.
//
// The Router calls it synchronously, from the goroutine that called the
// Router (so with the broker's lock held): its methods must be quick, must
// not block and must not call the Router. Command and group names are the
// Router's; an Observer that keeps one keeps the string, not a copy.
type Observer interface {
	// Delivered: a copy of a message of command was handed to a member of
	// group, as delivery number attempt. queued is the time since the
	// message was admitted, negative when unknown (a message restored from
	// the store).
	Delivered(command, group string, attempt int, queued time.Duration)
	// Answered: a member of group answered its delivery of a message of
	// command with kind, held after the delivery.
	Answered(command, group string, kind AnswerKind, held time.Duration)
	// Expired: group's copy of a message of command was dropped because
	// the message's deadline passed.
	Expired(command, group string)
	// DeadLettered: group's copy of a message of command moved to the
	// group's dead-letter queue.
	DeadLettered(command, group string)
}

// since is the time from the unix ns time from to now, -1 if from is 0
// (unknown).
func since(now, from int64) time.Duration {
	if from == 0 {
		return -1
	}
	return time.Duration(now - from)
}
