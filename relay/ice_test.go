package relay_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// serverCandidates joins a room by hand and collects the relay's
// candidates for a moment.
func serverCandidates(t *testing.T, ms *meetingtest.Server) []string {
	t.Helper()
	c, err := signaling.Dial(context.Background(), ms.URL, signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: "host", Token: "t-host"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []string
	timeout := time.After(2 * time.Second)
	for {
		select {
		case m := <-c.Messages():
			if m.Type == signaling.TypeCandidate && m.Candidate != nil {
				out = append(out, m.Candidate.Candidate)
			}
			if m.Type == signaling.TypeOffer {
				for _, line := range strings.Split(m.SDP, "\n") {
					if strings.HasPrefix(line, "a=candidate:") {
						out = append(out, strings.TrimPrefix(strings.TrimSpace(line), "a="))
					}
				}
			}
		case <-timeout:
			return out
		}
	}
}

func TestSingleUDPPort(t *testing.T) {
	port := freeUDPPort(t)
	ms := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{UDPPort: port, LoopbackOnly: true})
	cands := serverCandidates(t, ms)
	if len(cands) == 0 {
		t.Fatal("the relay offered no candidates")
	}
	for _, c := range cands {
		if !strings.Contains(c, " "+strconv.Itoa(port)+" ") {
			t.Errorf("candidate %q is not on the configured port %d", c, port)
		}
	}
	// And media flows through that one port.
	host := joinRoom(t, ms, "host")
	ranchi := joinRoom(t, ms, "ranchi")
	meetingtest.WaitUntil(t, "ranchi hears host over the single port", waitLimit, func() bool { return ranchi.heard.count("host") > 10 })
	meetingtest.WaitUntil(t, "host hears ranchi over the single port", waitLimit, func() bool { return host.heard.count("ranchi") > 10 })
}

func TestPublicIPsAnnounced(t *testing.T) {
	ms := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{PublicIPs: []string{"203.0.113.7"}})
	cands := serverCandidates(t, ms)
	if len(cands) == 0 {
		t.Fatal("the relay offered no candidates")
	}
	for _, c := range cands {
		if !strings.Contains(c, " 203.0.113.7 ") {
			t.Errorf("candidate %q does not announce the public IP", c)
		}
	}
}
