//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package pebblestore

import "github.com/teonet-go/teomq/store"

// lockHolder cannot tell the holder of a lock on this system.
func lockHolder(string) (pid int, held bool) { return 0, false }
