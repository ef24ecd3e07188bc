// Package diskfree reports the free space of the file system that holds a
// path, for the broker's default disk budget.
package diskfree

import "errors"

// ErrUnsupported is returned by Bytes on a platform where this package
// cannot ask the file system.
var ErrUnsupported = errors.New("diskfree: not supported on this platform")

// Bytes returns the bytes an unprivileged process may still write on the
// file system that holds path. Safe for concurrent use.
func Bytes(path string) (uint64, error) { return bytesFree(path) }
