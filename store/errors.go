package store

import (
	"errors"
	"fmt"
	"os"
)

// Errors returned by the stores. Callers test for them with errors.Is; the
// returned errors wrap them with context.
var (
	// ErrStoreFailed is returned by Write, and reported by Health, once the
	// medium failed a write or a sync. The failure is sticky: every later
	// Write returns it at once, without touching the medium. The outcome of
	// the write that failed is unknown.
	ErrStoreFailed = errors.New("store: medium failed")

	// ErrStoreUnavailable is returned by Write, and reported by Health,
	// while the store lacks a resource it needs to go on writing (file
	// descriptors, disk space, memory) and the engine can retry what failed.
	// The Write that returns it applied nothing. The store keeps checking
	// for the resource and takes writes again by itself once it is back.
	// The error wraps the cause (syscall.EMFILE, ...).
	ErrStoreUnavailable = errors.New("store: unavailable")

	// ErrClosed is returned by Write and Load after Close.
	ErrClosed = errors.New("store: closed")

	// ErrCorrupt is returned when stored data cannot be decoded, or when the
	// storage engine reports a checksum mismatch. The error names the key
	// or file where known.
	ErrCorrupt = errors.New("store: corrupt data")

	// ErrInvalidOp is returned by Write when an op lacks a field its Kind
	// needs (a KindMessage without Msg, an empty Command, ...). Nothing of
	// that Write is applied.
	ErrInvalidOp = errors.New("store: invalid op")

	// ErrFormat is returned by the disk store (pebblestore.OpenPebble) when the directory holds a store
	// written in a format this version does not know.
	ErrFormat = errors.New("store: unknown format version")
)

// ErrNoDisk is returned by OpenDisk when the program links no disk store:
// no package called RegisterDisk (import
// github.com/teonet-go/teomq/store/pebblestore for its side effect).
var ErrNoDisk = errors.New("store: no disk store linked")

// ErrInvalidOptions is returned by a disk store (pebblestore.OpenPebble) when its options hold a
// value out of range.
var ErrInvalidOptions = errors.New("store: invalid options")

// ErrDirInUse is returned by the disk store (pebblestore.OpenPebble) when another open store, in this
// process or another, has the directory. The error is a *DirInUseError.
var ErrDirInUse = errors.New("store: directory in use")

// DirInUseError is the error of the disk store (pebblestore.OpenPebble) for a directory another open
// store holds. It matches ErrDirInUse under errors.Is.
type DirInUseError struct {
	Dir string // the store's directory
	PID int    // process holding it, 0 if unknown
}

// Error names the directory and its holder.
func (e *DirInUseError) Error() string {
	holder := "another process"
	switch {
	case e.PID == os.Getpid():
		holder = fmt.Sprintf("this process (pid %d)", e.PID)
	case e.PID > 0:
		holder = fmt.Sprintf("another process (pid %d)", e.PID)
	}
	return fmt.Sprintf("store: %s is in use by %s; a store directory serves one store at a time", e.Dir, holder)
}

// Unwrap returns ErrDirInUse.
func (e *DirInUseError) Unwrap() error { return ErrDirInUse }
