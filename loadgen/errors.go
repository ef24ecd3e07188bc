package loadgen

import "errors"

var (
	// ErrBadConfig is returned by Run for an invalid Config, and by
	// ParseMode for an unknown mode.
	ErrBadConfig = errors.New("loadgen: invalid configuration")
	// ErrBadAnswer is returned when a responder's answer is not the
	// request's payload.
	ErrBadAnswer = errors.New("loadgen: answer differs from the request")
)
