package teonet

import (
	"syscall"
	"unsafe"
)

// sendRoom reports how many more bytes the kernel takes on conn's socket
// at once, without the write having to wait for the peer: a quarter of the
// send buffer (whose accounting counts each byte about twice, with its
// buffers' overhead) less what is queued and not yet acknowledged. It
// returns 0 when it cannot tell.
func sendRoom(rc syscall.RawConn) int {
	if rc == nil {
		return 0
	}
	room := 0
	err := rc.Control(func(fd uintptr) {
		var queued int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&queued))); errno != 0 {
			return
		}
		sndbuf, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
		if err != nil {
			return
		}
		room = sndbuf/4 - int(queued)
	})
	if err != nil || room < 0 {
		return 0
	}
	return room
}
