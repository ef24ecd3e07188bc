//go:build !linux

package teonet

import "syscall"

// sendRoom returns 0 here: without a way to read the socket's queue, every
// write that might wait is left to the writer goroutine.
func sendRoom(syscall.RawConn, int) int { return 0 }

// sendBuffer returns 0 here: see sendRoom.
func sendBuffer(syscall.RawConn) int { return 0 }
