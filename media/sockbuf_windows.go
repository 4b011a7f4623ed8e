package media

import (
	"github.com/pion/transport/v5"
	"golang.org/x/sys/windows"
)

// grantedReadBuffer is the receive buffer Windows gave c, as asked for, or -1.
func grantedReadBuffer(c transport.UDPConn) int {
	v := -1
	control(c, func(fd uintptr) {
		if n, err := windows.GetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_RCVBUF); err == nil {
			v = n
		}
	})
	return v
}

// raiseLimit: Windows has no system-wide limit to raise; a smaller buffer
// there comes from a policy or a driver.
func raiseLimit(int) string {
	return "Windows granted less than asked (check the network adapter's and any group policy's limits)"
}
