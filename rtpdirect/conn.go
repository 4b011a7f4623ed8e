package rtpdirect

import (
	"net"
	"net/netip"

	"github.com/pion/transport/v5"
)

// directNet is a network whose UDP sockets are read through the receiver.
type directNet struct {
	transport.Net
	r *Receiver
}

// ListenUDP is how pion's ICE opens its sockets.
func (n directNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return newConn(c, n.r), nil
}

// conn is one of pion's UDP sockets. Its reads keep the claimed streams'
// SRTP for the receiver and return everything else (STUN, DTLS, SRTCP,
// unclaimed streams, packets that do not decrypt) to pion's ICE as read.
// ICE reads each socket from one goroutine, so scratch needs no lock.
type conn struct {
	transport.UDPConn
	udp     *net.UDPConn // nil when the network's sockets are not the kernel's
	r       *Receiver
	scratch []byte
}

func newConn(c transport.UDPConn, r *Receiver) *conn {
	udp, _ := c.(*net.UDPConn)
	return &conn{UDPConn: c, udp: udp, r: r, scratch: make([]byte, 0, receiveMTU)}
}

// receiveMTU is pion's default receive MTU: no packet it would take is
// longer.
const receiveMTU = 1460

// ReadFromAddrPort is what pion's ICE reads with when a socket has it:
// no allocation per packet.
func (c *conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		var (
			n    int
			addr netip.AddrPort
			err  error
		)
		if c.udp != nil {
			n, addr, err = c.udp.ReadFromUDPAddrPort(b)
		} else {
			var a net.Addr
			n, a, err = c.UDPConn.ReadFrom(b)
			if ua, ok := a.(*net.UDPAddr); ok {
				addr = ua.AddrPort()
			}
		}
		if err != nil || !c.keep(b[:n]) {
			return n, addr, err
		}
	}
}

// ReadFrom serves readers that want a net.Addr.
func (c *conn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || !c.keep(b[:n]) {
			return n, addr, err
		}
	}
}

// WriteToAddrPort pairs with ReadFromAddrPort, as pion's ICE requires.
func (c *conn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if c.udp != nil {
		return c.udp.WriteToUDPAddrPort(b, addr)
	}
	return c.UDPConn.WriteTo(b, net.UDPAddrFromAddrPort(addr))
}

// keep offers a datagram to the receiver, which keeps it if it belongs to a
// claimed stream and decrypts.
func (c *conn) keep(b []byte) bool {
	if !isRTP(b) {
		return false
	}
	return c.r.receive(b, &c.scratch)
}

// isRTP tells SRTP from what shares the socket (RFC 7983: STUN 0–3, DTLS
// 20–63, RTP and RTCP 128–191) and RTP from RTCP (RFC 5761: RTCP packet
// types 192–223 where RTP has its marker bit and payload type).
func isRTP(b []byte) bool {
	if len(b) < 12 || b[0] < 128 || b[0] > 191 {
		return false
	}
	return b[1] < 192 || b[1] > 223
}
