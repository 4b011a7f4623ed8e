package media

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxCandidates is how many remote transport addresses one
// connection checks at most. An honest peer names a few: a host address
// per interface, a reflexive one per STUN server, a TURN relay; a browser
// on a laptop with every kind of interface stays under 20.
const DefaultMaxCandidates = 32

// Why a remote candidate is not handed to ICE.
var (
	// ErrTooManyCandidates is a candidate beyond the connection's cap.
	ErrTooManyCandidates = errors.New("too many ICE candidates from this peer")
	// ErrCandidateAddress is a candidate on an address the meeting does not
	// send checks to: loopback or private without the meeting's leave, or
	// one that is never a peer (unspecified, multicast, reserved), or a
	// host name, which would need a lookup.
	ErrCandidateAddress = errors.New("ICE candidate on an address not allowed")
	// ErrBadCandidate is a candidate line that does not parse.
	ErrBadCandidate = errors.New("malformed ICE candidate")
)

// CandidatePolicy says which candidates a peer may name. Every candidate
// pion is given costs STUN checks sent to that address: without these
// bounds, whoever is at the other end of the signalling (a joined room for
// the relay, a server for the bot) could point them at any host and port,
// including the machine's own loopback services and its private network.
type CandidatePolicy struct {
	// Max distinct transport addresses; 0 means DefaultMaxCandidates.
	Max int
	// Private allows loopback, private (RFC 1918, fc00::/7), shared
	// (100.64.0.0/10) and link-local addresses: a meeting on one network.
	Private bool
	// Loopback allows loopback addresses even without Private: a peer on
	// this machine, which can reach nothing else anyway.
	Loopback bool
	// Peer, when valid, is the address the peer's signalling comes from
	// (or goes to): checks to it are allowed whatever its kind, since that
	// host is talking to this one already.
	Peer netip.Addr
}

// RemoteCandidates screens the ICE candidates one peer names, inline in
// its SDP and trickled, before pion sends checks to them. It is safe for
// concurrent use.
type RemoteCandidates struct {
	policy CandidatePolicy

	mu       sync.Mutex
	accepted map[string]struct{} // "udp 192.0.2.1:5000"
}

// NewRemoteCandidates starts screening one peer's candidates.
func NewRemoteCandidates(p CandidatePolicy) *RemoteCandidates {
	if p.Max <= 0 {
		p.Max = DefaultMaxCandidates
	}
	return &RemoteCandidates{policy: p, accepted: map[string]struct{}{}}
}

// Accepted is how many distinct transport addresses were let through.
func (r *RemoteCandidates) Accepted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.accepted)
}

// Admit decides on one candidate ("candidate:..." as in a trickled
// candidate or an SDP attribute value, with or without "a="): nil means
// give it to pion. A candidate already admitted is admitted again without
// counting, since a bundled SDP repeats its candidates in every section
// and every new offer repeats them all.
func (r *RemoteCandidates) Admit(candidate string) error {
	key, addr, err := parseCandidate(candidate)
	if err != nil {
		return err
	}
	if !r.allowed(addr) {
		return fmt.Errorf("%w: %s", ErrCandidateAddress, addr)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.accepted[key]; ok {
		return nil
	}
	if len(r.accepted) >= r.policy.Max {
		return fmt.Errorf("%w: %d already", ErrTooManyCandidates, r.policy.Max)
	}
	r.accepted[key] = struct{}{}
	return nil
}

// Screened counts the candidate lines Screen took out of an SDP, by
// reason.
type Screened struct {
	TooMany, Address, Bad int
}

// Removed is the number of candidate lines taken out.
func (s Screened) Removed() int { return s.TooMany + s.Address + s.Bad }

// Screen returns sdp without the candidate lines Admit refuses; every
// other line is kept byte for byte.
func (r *RemoteCandidates) Screen(sdp string) (string, Screened) {
	var out strings.Builder
	out.Grow(len(sdp))
	var s Screened
	rest := sdp
	for rest != "" {
		line, after, found := strings.Cut(rest, "\n")
		rest = after
		if body, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "a="); ok && strings.HasPrefix(body, "candidate:") {
			if err := r.Admit(body); err != nil {
				switch {
				case errors.Is(err, ErrTooManyCandidates):
					s.TooMany++
				case errors.Is(err, ErrCandidateAddress):
					s.Address++
				default:
					s.Bad++
				}
				continue
			}
		}
		out.WriteString(line)
		if found {
			out.WriteByte('\n')
		}
	}
	return out.String(), s
}

func (r *RemoteCandidates) allowed(a netip.Addr) bool {
	switch {
	case !Reachable(a):
		return false
	case r.policy.Peer.IsValid() && a == r.policy.Peer.Unmap():
		return true
	case a.IsLoopback():
		return r.policy.Loopback || r.policy.Private
	case Local(a):
		return r.policy.Private
	}
	return true
}

// parseCandidate reads the transport address of an RFC 8839 candidate:
// "candidate:<foundation> <component> <transport> <priority> <address>
// <port> typ <type> ...". The address must be an IP literal: a host name
// would send pion to DNS (and mDNS names are not resolved here anyway).
func parseCandidate(c string) (key string, addr netip.Addr, err error) {
	c = strings.TrimPrefix(strings.TrimSpace(c), "a=")
	body, ok := strings.CutPrefix(c, "candidate:")
	if !ok {
		return "", addr, fmt.Errorf("%w: %.80q", ErrBadCandidate, c)
	}
	f := strings.Fields(body)
	if len(f) < 8 || f[6] != "typ" {
		return "", addr, fmt.Errorf("%w: %.80q", ErrBadCandidate, c)
	}
	port, err := strconv.ParseUint(f[5], 10, 16)
	if err != nil || port == 0 {
		return "", addr, fmt.Errorf("%w: port %.20q", ErrBadCandidate, f[5])
	}
	addr, err = netip.ParseAddr(f[4])
	if err != nil {
		return "", addr, fmt.Errorf("%w: %.80q is not an IP address", ErrCandidateAddress, f[4])
	}
	addr = addr.Unmap().WithZone("")
	return strings.ToLower(f[2]) + " " + netip.AddrPortFrom(addr, uint16(port)).String(), addr, nil
}

// shared is RFC 6598's carrier-grade NAT range: private in all but name.
var shared = netip.MustParsePrefix("100.64.0.0/10")

// Local reports whether a is loopback, private (RFC 1918, fc00::/7),
// shared (100.64.0.0/10) or link-local.
func Local(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || shared.Contains(a)
}

// Reachable reports whether a could be a peer at all: not unspecified,
// multicast, broadcast or in 0.0.0.0/8 or 240.0.0.0/4.
func Reachable(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() {
		return false
	}
	if a.Is4() {
		b := a.As4()
		return b[0] != 0 && b[0] < 240
	}
	return true
}
