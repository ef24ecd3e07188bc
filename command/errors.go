package command

import "errors"

// Errors of Set.Add, which wraps them with the offending name or template.
var (
	// ErrBadName is returned when a command name is empty, longer than
	// MaxNameLen bytes, not valid UTF-8, or holds a '/' or a non-printable
	// character.
	ErrBadName = errors.New("command: bad command name")

	// ErrBadTemplate is returned when a template is not "" or a
	// '/'-separated list of "{name}" parameters with distinct, non-empty,
	// printable names.
	ErrBadTemplate = errors.New("command: bad template")

	// ErrDuplicate is returned when a command of the same name is already in
	// the set.
	ErrDuplicate = errors.New("command: duplicate command")

	// ErrNoHandler is returned when a command is added without a handler.
	ErrNoHandler = errors.New("command: nil handler")
)

// Errors of handling a request, wrapped with the command and parameter.
var (
	// ErrUnknownCommand is returned by Set.Handle for a name the set does
	// not hold.
	ErrUnknownCommand = errors.New("command: unknown command")

	// ErrMissingParam is returned when a request's data has fewer
	// '/'-separated segments than the command's template has parameters.
	ErrMissingParam = errors.New("command: missing parameter")
)
