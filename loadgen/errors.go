package loadgen

import "errors"

var (
	// ErrBadConfig is returned by Run for an invalid Config, and by
	// ParseMode for an unknown mode.
	ErrBadConfig = errors.New("loadgen: invalid configuration")
	// ErrBadAnswer is returned when a responder's answer is not the
	// request's payload.
	ErrBadAnswer = errors.New("loadgen: answer differs from the request")
	// ErrInterrupted is returned by Run when its ctx ended before the run
	// did, together with the Result measured until then (Result.Partial);
	// the error also matches ctx's error.
	ErrInterrupted = errors.New("loadgen: run interrupted")
)
