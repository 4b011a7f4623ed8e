package media

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// GrowUDPBuffers asks for size bytes of receive and send buffer on every
// UDP socket of this process whose receive buffer is smaller. It is for
// sockets samvad does not open itself: the LiveKit SDK builds its own pion
// API, with no way to hand it BufferedNet, and its one socket carries every
// room of the meeting. It returns the smallest receive buffer of the
// process's UDP sockets afterwards (-1: it found none) and how many of
// them it grew. Only Linux lets a process list its sockets; elsewhere it reports
// ErrNotSupported.
//
// A socket closed meanwhile, or its number reused by another file, makes
// the system call fail and is skipped: asking costs that socket nothing.
func GrowUDPBuffers(size int) (smallest, grown int, err error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1, 0, err
	}
	smallest = -1
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || !strings.HasPrefix(l, "socket:") {
			continue
		}
		if !isInetUDP(fd) {
			continue
		}
		n, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		if err != nil {
			continue
		}
		if n/2 < size {
			// As BufferedNet: the kernel caps at net.core.rmem_max, so one
			// ask is enough here.
			syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
			syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, size)
			after, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
			if err != nil {
				continue
			}
			if after > n {
				grown++
			}
			n = after
		}
		if g := n / 2; smallest < 0 || g < smallest {
			smallest = g
		}
	}
	return smallest, grown, nil
}

// isInetUDP reports whether fd is an IPv4 or IPv6 datagram socket.
func isInetUDP(fd int) bool {
	typ, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE)
	if err != nil || typ != syscall.SOCK_DGRAM {
		return false
	}
	dom, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_DOMAIN)
	return err == nil && (dom == syscall.AF_INET || dom == syscall.AF_INET6)
}
