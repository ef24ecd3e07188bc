package main

import (
	"errors"
	"fmt"
)

// errUsage is matched by the errors of wrong command lines. run prints
// their reason, then the command's usage; main exits with status 2.
var errUsage = errors.New("usage")

// usageError is a command line the command cannot run: err says what is
// wrong with it. It matches errUsage.
type usageError struct {
	err error
}

// usageErrorf returns a usageError whose reason is formatted as by
// fmt.Errorf.
func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// Error returns the reason.
func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns the reason.
func (e *usageError) Unwrap() error { return e.err }

// Is reports whether target is errUsage.
func (e *usageError) Is(target error) bool { return target == errUsage }
