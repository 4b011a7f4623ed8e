package media

import (
	"syscall"

	"github.com/pion/transport/v5"
)

// grantedReadBuffer is the receive buffer the kernel gave c, as asked for
// (Linux reports double, the rest being its bookkeeping), or -1.
func grantedReadBuffer(c transport.UDPConn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	v := -1
	if err := raw.Control(func(fd uintptr) {
		if n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			v = n / 2
		}
	}); err != nil {
		return -1
	}
	return v
}
