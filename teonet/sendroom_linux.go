package teonet

import (
	"syscall"
	"unsafe"
)

// sendRoom returns how many more bytes the kernel takes on the socket at
// once, without the write having to wait for the peer: a quarter of the
// send buffer sndbuf (whose accounting counts each byte about twice, with
// its buffers' overhead) less what is queued and not yet acknowledged. It
// returns 0 when it cannot tell.
func sendRoom(rc syscall.RawConn, sndbuf int) int {
	if rc == nil {
		return 0
	}
	room := 0
	err := rc.Control(func(fd uintptr) {
		var queued int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&queued))); errno == 0 {
			room = sndbuf/4 - int(queued)
		}
	})
	if err != nil || room < 0 {
		return 0
	}
	return room
}

// sendBuffer returns the socket's send buffer size, 0 if unknown. The
// kernel only grows it as the connection runs, so the size at the start
// is a safe lower bound.
func sendBuffer(rc syscall.RawConn) int {
	if rc == nil {
		return 0
	}
	size := 0
	rc.Control(func(fd uintptr) {
		size, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	return size
}
