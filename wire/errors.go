package wire

import (
	"errors"
	"fmt"
)

// Decoding errors. The decoder wraps them with the detail of what it found;
// test for them with errors.Is.
var (
	// ErrVersion is returned when a frame's version byte is not Version.
	// The error returned is a *VersionError carrying the version seen.
	ErrVersion = errors.New("wire: unsupported protocol version")

	// ErrUnknownType is returned when a frame's type byte names no frame
	// type of this version.
	ErrUnknownType = errors.New("wire: unknown frame type")

	// ErrMalformed is returned when a frame's body does not match its
	// type's layout: a field is short, a length runs past the end or over
	// its limit, a bool, flag or kind has a value this version does not
	// define, or bytes are left after the last field.
	ErrMalformed = errors.New("wire: malformed frame")

	// ErrTypeMismatch is returned by the DecodeX functions (DecodePublish,
	// ...) when the frame's header names another frame type.
	ErrTypeMismatch = errors.New("wire: frame type mismatch")
)

// VersionError is the error for a frame of an unsupported protocol version.
// It matches ErrVersion under errors.Is.
type VersionError struct {
	Got uint8 // the version byte the frame carried
}

// Error reports the version seen and the one supported.
func (e *VersionError) Error() string {
	return fmt.Sprintf("%v: got %d, want %d", ErrVersion, e.Got, Version)
}

// Unwrap returns ErrVersion.
func (e *VersionError) Unwrap() error { return ErrVersion }
