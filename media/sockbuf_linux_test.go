package media

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestBufferedNet opens real sockets: they get the buffer asked for up to
// the kernel's limit, and a limit below it is reported once.
func TestBufferedNet(t *testing.T) {
	limit := rmemMax(t)
	listen := func(size int) (grants []int, warned [][2]int) {
		n, err := BufferedNet(size, func(g, a int) { warned = append(warned, [2]int{g, a}) })
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			c, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			grants = append(grants, grantedReadBuffer(c))
			c.Close()
		}
		return grants, warned
	}
	grants, warned := listen(limit / 2)
	if grants[0] != limit/2 || grants[1] != limit/2 || len(warned) != 0 {
		t.Errorf("asked for %d below the limit %d: granted %v, warned %v", limit/2, limit, grants, warned)
	}
	grants, warned = listen(limit * 4)
	if grants[0] != limit || len(warned) != 1 || warned[0] != [2]int{limit, limit * 4} {
		t.Errorf("asked for %d above the limit %d: granted %v, warned %v (want once)", limit*4, limit, grants, warned)
	}
	if msg := BufferWarning(limit, limit*4); !strings.Contains(msg, "net.core.rmem_max="+strconv.Itoa(limit*4)) {
		t.Errorf("warning does not say what to do: %s", msg)
	}
}

// rmemMax is the kernel's limit on a socket's receive buffer; the test is
// skipped where it cannot be read.
func rmemMax(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Skip(err)
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return limit
}
