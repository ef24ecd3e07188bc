package teomq_test

import "syscall"

// narrowSocket makes a socket that takes little from its peer: a small
// receive buffer and segment size, so that the peer's send buffer stays
// small too and fills after a few hundred KB once nobody reads.
func narrowSocket(_, _ string, c syscall.RawConn) error {
	var err error
	cerr := c.Control(func(fd uintptr) {
		if err = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1024); err != nil {
			return
		}
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
	})
	if cerr != nil {
		return cerr
	}
	return err
}
