//go:build unix && !linux

package media

import (
	"fmt"
	"syscall"

	"github.com/pion/transport/v5"
)

// grantedReadBuffer is the receive buffer the kernel gave c, or -1.
func grantedReadBuffer(c transport.UDPConn) int {
	v := -1
	control(c, func(fd uintptr) {
		if n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			v = n
		}
	})
	return v
}

// raiseLimit says how to let a socket have size bytes of buffer: macOS (and
// the BSDs) refuse more than about 8/9 of kern.ipc.maxsockbuf, the rest
// being mbuf bookkeeping; twice the size leaves room.
func raiseLimit(size int) string {
	return fmt.Sprintf("raise the limit with sudo sysctl -w kern.ipc.maxsockbuf=%d", 2*size)
}
