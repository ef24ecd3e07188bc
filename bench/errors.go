package main

import "errors"

var (
	// errNotSupported is returned by a target's Conn for a mode its system
	// does not serve in this comparison (core NATS stores nothing).
	errNotSupported = errors.New("not supported by this system")
	// errNotReady is returned when an embedded nats-server does not start.
	errNotReady = errors.New("not ready for connections")
	// errUnknownRow is returned for an -only that names no row.
	errUnknownRow = errors.New("unknown row")
	// errTimeout is returned when the backlog comparison waits too long
	// for a delivery.
	errTimeout = errors.New("timed out")
)
