// Package stuntest counts the STUN binding requests that reach a set of UDP
// sockets, for tests that hand a peer many ICE candidates and check how
// many addresses it really sends checks to.
package stuntest

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
)

// Sinks are UDP sockets on one address that count the binding requests
// each receives. Close (registered with t.Cleanup) waits for the readers.
type Sinks struct {
	IP    string
	conns []net.PacketConn

	mu   sync.Mutex
	hits []int
	wg   sync.WaitGroup
}

// Listen opens n sockets on ip, or skips the test where ip cannot be bound
// (127.0.0.2 is loopback on Linux, not on every system).
func Listen(t *testing.T, ip string, n int) *Sinks {
	t.Helper()
	s := &Sinks{IP: ip, hits: make([]int, n)}
	for i := range n {
		c, err := net.ListenPacket("udp4", net.JoinHostPort(ip, "0"))
		if err != nil {
			s.Close()
			if i == 0 {
				t.Skipf("cannot listen on %s: %v", ip, err)
			}
			t.Fatal(err)
		}
		s.conns = append(s.conns, c)
		s.wg.Add(1)
		go s.read(i, c)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *Sinks) read(i int, c net.PacketConn) {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		if IsBindingRequest(buf[:n]) {
			s.mu.Lock()
			s.hits[i]++
			s.mu.Unlock()
		}
	}
}

// Close closes the sockets and waits for their readers.
func (s *Sinks) Close() {
	for _, c := range s.conns {
		c.Close()
	}
	s.wg.Wait()
}

// Port is the port of socket i.
func (s *Sinks) Port(i int) int { return s.conns[i].LocalAddr().(*net.UDPAddr).Port }

// Len is the number of sockets.
func (s *Sinks) Len() int { return len(s.conns) }

// Candidate is an ICE host candidate for socket i, as a peer would name it.
func (s *Sinks) Candidate(i int) string {
	return fmt.Sprintf("candidate:%d 1 udp 2130706431 %s %d typ host", 9000+i, s.IP, s.Port(i))
}

// Reached is how many sockets got at least one binding request, and how
// many requests they got in all.
func (s *Sinks) Reached() (sockets, requests int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hits {
		if h > 0 {
			sockets++
			requests += h
		}
	}
	return sockets, requests
}

// ReachedAll is how many sockets of all the sets (nil ones are skipped)
// got at least one binding request; it logs each set to t, so that a
// failure shows which were reached.
func ReachedAll(t testing.TB, sets ...*Sinks) int {
	t.Helper()
	total := 0
	for _, s := range sets {
		if s != nil {
			got, _ := s.Reached()
			total += got
			t.Log(s)
		}
	}
	return total
}

// String describes what reached the sinks, for failure messages.
func (s *Sinks) String() string {
	n, r := s.Reached()
	return strconv.Itoa(n) + " of " + strconv.Itoa(len(s.conns)) + " sockets on " + s.IP + " got " + strconv.Itoa(r) + " binding requests"
}

// IsBindingRequest reports whether b is a STUN binding request (RFC 8489:
// type 0x0001 and the magic cookie).
func IsBindingRequest(b []byte) bool {
	return len(b) >= 20 && binary.BigEndian.Uint16(b[0:2]) == 0x0001 && binary.BigEndian.Uint32(b[4:8]) == 0x2112A442
}
