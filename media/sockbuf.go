package media

import (
	"fmt"
	"net"
	"sync"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// SocketBuffer is the UDP receive and send buffer, in bytes, asked for on
// media sockets. One socket may carry a whole meeting: the relay's single
// port, or the recorder's connection with every room on it (300 rooms are
// 15,000 packets a second). Linux's default of 208 KiB holds about 200 ms
// of that (a small packet takes about 1 KiB of buffer), so any pause of the
// reading process (a busy CPU, garbage collection) makes the kernel drop
// audio; 4 MiB holds seconds of it.
const SocketBuffer = 4 << 20

// bufferedNet is the standard network whose UDP sockets ask for larger
// buffers.
type bufferedNet struct {
	*stdnet.Net
	size int
	warn func(granted, asked int)
	once *sync.Once
}

// BufferedNet returns the standard network with UDP sockets that ask for
// size bytes of receive and send buffer. The kernel grants at most
// net.core.rmem_max without an error; warn, if not nil, is called once with
// what it granted and size when that is less.
func BufferedNet(size int, warn func(granted, asked int)) (transport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("network interfaces: %w", err)
	}
	return bufferedNet{Net: n, size: size, warn: warn, once: &sync.Once{}}, nil
}

// ListenUDP is how pion's ICE opens its sockets, muxed or not.
func (n bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	// A refusal leaves the default size, which still works: it is only
	// reported, below, as what the kernel granted.
	_ = c.SetReadBuffer(n.size)
	_ = c.SetWriteBuffer(n.size)
	if g := grantedReadBuffer(c); n.warn != nil && g >= 0 && g < n.size {
		n.once.Do(func() { n.warn(g, n.size) })
	}
	return c, nil
}

// BufferWarning is the message for a receive buffer smaller than asked.
func BufferWarning(granted, asked int) string {
	return fmt.Sprintf("UDP receive buffer is %d KiB, not the %d KiB asked for: a busy moment can drop audio at this socket; raise the limit with sysctl -w net.core.rmem_max=%d net.core.wmem_max=%d",
		granted>>10, asked>>10, asked, asked)
}
