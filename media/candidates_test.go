package media

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func cand(addr string, port int) string {
	return fmt.Sprintf("candidate:1 1 udp 2130706431 %s %d typ host", addr, port)
}

func TestRemoteCandidatesPolicy(t *testing.T) {
	peer := netip.MustParseAddr("192.168.1.20")
	for _, tc := range []struct {
		name   string
		policy CandidatePolicy
		c      string
		want   error
	}{
		{"public", CandidatePolicy{}, cand("203.0.113.9", 5000), nil},
		{"public v6", CandidatePolicy{}, cand("2001:db8::1", 5000), nil},
		{"srflx with a private related address", CandidatePolicy{},
			"candidate:2 1 udp 1694498815 198.51.100.4 61000 typ srflx raddr 10.0.0.5 rport 50000", nil},
		{"loopback", CandidatePolicy{}, cand("127.0.0.1", 22), ErrCandidateAddress},
		{"loopback v6", CandidatePolicy{}, cand("::1", 22), ErrCandidateAddress},
		{"mapped loopback", CandidatePolicy{}, cand("::ffff:127.0.0.1", 22), ErrCandidateAddress},
		{"rfc1918", CandidatePolicy{}, cand("10.1.2.3", 5000), ErrCandidateAddress},
		{"rfc1918 172", CandidatePolicy{}, cand("172.20.0.1", 5000), ErrCandidateAddress},
		{"shared", CandidatePolicy{}, cand("100.100.1.1", 5000), ErrCandidateAddress},
		{"link-local", CandidatePolicy{}, cand("169.254.169.254", 80), ErrCandidateAddress},
		{"link-local v6", CandidatePolicy{}, cand("fe80::1%eth0", 5000), ErrCandidateAddress},
		{"ula", CandidatePolicy{}, cand("fd00::1", 5000), ErrCandidateAddress},
		{"unspecified", CandidatePolicy{Private: true}, cand("0.0.0.0", 5000), ErrCandidateAddress},
		{"this network", CandidatePolicy{Private: true}, cand("0.1.2.3", 5000), ErrCandidateAddress},
		{"multicast", CandidatePolicy{Private: true}, cand("224.0.0.251", 5353), ErrCandidateAddress},
		{"broadcast", CandidatePolicy{Private: true}, cand("255.255.255.255", 5000), ErrCandidateAddress},
		{"host name", CandidatePolicy{Private: true}, cand("internal.example", 5000), ErrCandidateAddress},
		{"mdns", CandidatePolicy{Private: true}, cand("3f1c-uuid.local", 5000), ErrCandidateAddress},
		{"private allowed", CandidatePolicy{Private: true}, cand("10.1.2.3", 5000), nil},
		{"loopback allowed by private", CandidatePolicy{Private: true}, cand("127.0.0.1", 5000), nil},
		{"loopback allowed", CandidatePolicy{Loopback: true}, cand("127.0.0.1", 5000), nil},
		{"loopback does not allow private", CandidatePolicy{Loopback: true}, cand("192.168.0.1", 5000), ErrCandidateAddress},
		{"the peer's own address", CandidatePolicy{Peer: peer}, cand("192.168.1.20", 5000), nil},
		{"beside the peer's address", CandidatePolicy{Peer: peer}, cand("192.168.1.21", 5000), ErrCandidateAddress},
		{"with a=", CandidatePolicy{}, "a=" + cand("203.0.113.9", 5000), nil},
		{"too short", CandidatePolicy{}, "candidate:1 1 udp 1 203.0.113.9 5000", ErrBadCandidate},
		{"no typ", CandidatePolicy{}, "candidate:1 1 udp 1 203.0.113.9 5000 xx host", ErrBadCandidate},
		{"port 0", CandidatePolicy{}, cand("203.0.113.9", 0), ErrBadCandidate},
		{"port too big", CandidatePolicy{}, cand("203.0.113.9", 70000), ErrBadCandidate},
		{"not a candidate", CandidatePolicy{}, "foo", ErrBadCandidate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewRemoteCandidates(tc.policy).Admit(tc.c)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Admit(%q) = %v, want %v", tc.c, err, tc.want)
			}
		})
	}
}

func TestRemoteCandidatesCap(t *testing.T) {
	r := NewRemoteCandidates(CandidatePolicy{Max: 5})
	for i := range 5 {
		if err := r.Admit(cand("203.0.113.9", 5000+i)); err != nil {
			t.Fatalf("candidate %d: %v", i, err)
		}
	}
	// Repeats are free: every renegotiated offer names them again.
	if err := r.Admit(cand("203.0.113.9", 5000)); err != nil {
		t.Errorf("a repeated candidate: %v", err)
	}
	if err := r.Admit("candidate:9 1 UDP 5 203.0.113.9 5001 typ srflx"); err != nil {
		t.Errorf("the same address as another candidate: %v", err)
	}
	if err := r.Admit(cand("203.0.113.9", 6000)); !errors.Is(err, ErrTooManyCandidates) {
		t.Errorf("the sixth address: %v, want ErrTooManyCandidates", err)
	}
	if err := r.Admit("candidate:1 1 tcp 2130706431 203.0.113.9 5000 typ host tcptype passive"); !errors.Is(err, ErrTooManyCandidates) {
		t.Errorf("the same port over TCP is another address: %v", err)
	}
	if n := r.Accepted(); n != 5 {
		t.Errorf("Accepted = %d, want 5", n)
	}
	if NewRemoteCandidates(CandidatePolicy{}).policy.Max != DefaultMaxCandidates {
		t.Error("Max 0 is not the default")
	}
}

func TestRemoteCandidatesScreen(t *testing.T) {
	var sdp strings.Builder
	sdp.WriteString("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n")
	for i := range 40 {
		fmt.Fprintf(&sdp, "a=%s\r\n", cand("203.0.113.9", 5000+i))
	}
	sdp.WriteString("a=" + cand("10.0.0.1", 5000) + "\r\n")
	sdp.WriteString("a=candidate:broken\r\n")
	sdp.WriteString("a=end-of-candidates\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n")
	// The second section repeats the first's candidates, as bundled SDP does.
	for i := range 3 {
		fmt.Fprintf(&sdp, "a=%s\r\n", cand("203.0.113.9", 5000+i))
	}
	sdp.WriteString("a=mid:1")

	out, s := NewRemoteCandidates(CandidatePolicy{}).Screen(sdp.String())
	if s.TooMany != 8 || s.Address != 1 || s.Bad != 1 || s.Removed() != 10 {
		t.Errorf("screened %+v, want 8 too many, 1 address, 1 bad", s)
	}
	if n := strings.Count(out, "a=candidate:"); n != 35 {
		t.Errorf("%d candidate lines kept, want 32 + 3 repeated", n)
	}
	kept := strings.Split(out, "\r\n")
	if kept[0] != "v=0" || kept[len(kept)-1] != "a=mid:1" || !strings.Contains(out, "\r\na=end-of-candidates\r\nm=audio") {
		t.Errorf("other lines not kept as they were:\n%s", out)
	}
	if strings.Contains(out, "10.0.0.1") || strings.Contains(out, "5032") {
		t.Errorf("a refused candidate is still there:\n%s", out)
	}
	// LF-only SDP keeps its line ends too.
	lf, _ := NewRemoteCandidates(CandidatePolicy{}).Screen("v=0\na=" + cand("10.0.0.1", 1) + "\na=mid:0\n")
	if lf != "v=0\na=mid:0\n" {
		t.Errorf("LF SDP screened to %q", lf)
	}
}
