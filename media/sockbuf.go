package media

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"

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
	setBuffer(c.SetReadBuffer, n.size)
	setBuffer(c.SetWriteBuffer, n.size)
	if g := grantedReadBuffer(c); n.warn != nil && g >= 0 && g < n.size {
		n.once.Do(func() { n.warn(g, n.size) })
	}
	return c, nil
}

// minBuffer is where setBuffer stops halving: below it the system's
// default is as good.
const minBuffer = 64 << 10

// setBuffer asks for size bytes with set (a socket's SetReadBuffer or
// SetWriteBuffer), and on a refusal for half as much, and so on. Linux
// grants at most its limit without an error, but macOS refuses anything
// above kern.ipc.maxsockbuf outright and leaves the default, so without
// halving a Mac would record with a default buffer. A last refusal leaves
// the default, which still works: ListenUDP reports what was granted.
func setBuffer(set func(int) error, size int) {
	for ; size >= minBuffer; size /= 2 {
		if set(size) == nil {
			return
		}
	}
}

// BufferWarning is the message for a receive buffer smaller than asked,
// with what raises the limit on this system.
func BufferWarning(granted, asked int) string {
	return fmt.Sprintf("UDP receive buffer is %d KiB, not the %d KiB asked for: a busy moment can drop audio at this socket; %s",
		granted>>10, asked>>10, raiseLimit(asked))
}

// control runs f with c's socket, if c has one.
func control(c transport.UDPConn, f func(fd uintptr)) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(f)
}

// ErrNotSupported is GrowUDPBuffers on a system that does not let a process
// list its own sockets.
var ErrNotSupported = errors.New("media: this system does not let a process list its sockets")
