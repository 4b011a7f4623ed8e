package signaling

import (
	"fmt"
	"net"
	"time"
)

// failedJoinWindow is how far back failed joins from one address count.
const failedJoinWindow = time.Minute

// joinBackoffAfter: from this many recent failures on, each further failed
// join from the address is answered a second late, so that guessing tokens
// runs at a crawl long before the lockout.
const joinBackoffAfter = 3

// lockedJoinDelay is what every join from a locked-out address waits
// before its token is checked.
const lockedJoinDelay = time.Second

type joinFailures struct {
	times       []time.Time // recent failures, oldest first
	lockedUntil time.Time
}

// clientIP is the address a connection comes from, without the port. A
// reverse proxy in front of samvad makes every client one address: raise
// the limits then (see README).
func clientIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// lockedOutLocked reports how long an address remains locked out.
func (s *Server) lockedOutLocked(ip string, now time.Time) time.Duration {
	f := s.failures[ip]
	if f == nil || !now.Before(f.lockedUntil) {
		return 0
	}
	return f.lockedUntil.Sub(now)
}

// failedJoinLocked counts a failed join; it returns how long to hold the
// answer back, and whether the address is now locked out.
func (s *Server) failedJoinLocked(ip string, now time.Time) (delay time.Duration, locked bool) {
	f := s.failures[ip]
	if f == nil {
		f = &joinFailures{}
		s.failures[ip] = f
	}
	keep := f.times[:0]
	for _, t := range f.times {
		if now.Sub(t) < failedJoinWindow {
			keep = append(keep, t)
		}
	}
	f.times = append(keep, now)
	if len(f.times) >= s.limits.FailedJoinsPerIP {
		f.lockedUntil = now.Add(s.limits.Lockout.D())
		f.times = f.times[:0]
		return 0, true
	}
	if len(f.times) > joinBackoffAfter {
		return time.Second, false
	}
	return 0, false
}

// forgetOldFailuresLocked keeps the failure table from growing with every
// address that ever mistyped a token.
func (s *Server) forgetOldFailuresLocked(now time.Time) {
	for ip, f := range s.failures {
		if now.After(f.lockedUntil) && (len(f.times) == 0 || now.Sub(f.times[len(f.times)-1]) > failedJoinWindow) {
			delete(s.failures, ip)
		}
	}
}

// rateLimiter is a token bucket: rate messages a second, bursts of twice
// that.
type rateLimiter struct {
	rate, tokens float64
	last         time.Time
}

func newRateLimiter(perSecond int) rateLimiter {
	return rateLimiter{rate: float64(perSecond), tokens: 2 * float64(perSecond)}
}

func (r *rateLimiter) allow(now time.Time) bool {
	if !r.last.IsZero() {
		r.tokens = min(2*r.rate, r.tokens+now.Sub(r.last).Seconds()*r.rate)
	}
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}

func lockoutText(d time.Duration) string {
	return fmt.Sprintf("too many failed joins from this address: try again in %s", d.Round(time.Second))
}
