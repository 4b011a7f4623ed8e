package media

import (
	"net"
	"syscall"
	"testing"
)

// TestGrowUDPBuffers grows a socket someone else opened with a small
// buffer, leaves one already large enough alone, and does not touch TCP.
func TestGrowUDPBuffers(t *testing.T) {
	limit := rmemMax(t)
	want := min(limit, SocketBuffer)
	if want < 2*minBuffer {
		t.Skipf("net.core.rmem_max is %d: too small to tell grown from not", limit)
	}
	small, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	small.SetReadBuffer(minBuffer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tcpBefore := rcvbuf(t, ln.(*net.TCPListener))

	smallest, grown, err := GrowUDPBuffers(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := rcvbuf(t, small); got != want || grown < 1 || smallest != want {
		t.Errorf("small socket: %d bytes after growing to %d (smallest %d, grown %d)", got, want, smallest, grown)
	}
	if got := rcvbuf(t, ln.(*net.TCPListener)); got != tcpBefore {
		t.Errorf("TCP listener's buffer changed from %d to %d", tcpBefore, got)
	}
	if _, grown, _ := GrowUDPBuffers(want); grown != 0 {
		t.Errorf("grew %d sockets that were already large enough", grown)
	}
}

func rcvbuf(t *testing.T, c interface {
	SyscallConn() (syscall.RawConn, error)
}) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	v := -1
	raw.Control(func(fd uintptr) {
		if n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			v = n / 2
		}
	})
	return v
}
