package media

import (
	"fmt"
	"syscall"

	"github.com/pion/transport/v5"
)

// grantedReadBuffer is the receive buffer the kernel gave c, as asked for
// (Linux reports double, the rest being its bookkeeping), or -1.
func grantedReadBuffer(c transport.UDPConn) int {
	v := -1
	control(c, func(fd uintptr) {
		if n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			v = n / 2
		}
	})
	return v
}

// raiseLimit says how to let a socket have size bytes of buffer: Linux
// grants at most net.core.rmem_max (and wmem_max) and no more.
func raiseLimit(size int) string {
	return fmt.Sprintf("raise the limit with sysctl -w net.core.rmem_max=%d net.core.wmem_max=%d", size, size)
}
