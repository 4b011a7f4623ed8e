//go:build unix

package signaling

import "syscall"

// setReceiveBuffer sets a socket's SO_RCVBUF before it connects, when the
// size still shapes the window the peer is offered.
func setReceiveBuffer(fd uintptr, n int) {
	syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
