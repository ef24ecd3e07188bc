//go:build !linux

package teomq_test

import "syscall"

// narrowSocket does nothing here: the stuck-peer tests then need the
// kernel's default buffers to fill.
func narrowSocket(_, _ string, _ syscall.RawConn) error { return nil }
