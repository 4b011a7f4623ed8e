package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"github.com/samvad/samvad/meeting"
)

// hostGuard answers only requests whose Host names this server: its public
// URL's host, a name in server.allowed_hosts, localhost or an IP address.
// A page on another name that its owner points at this machine (DNS
// rebinding) gets 421 for everything, /metrics and the pages included.
type hostGuard struct {
	next  http.Handler
	names map[string]bool
	log   *slog.Logger

	mu     sync.Mutex
	warned map[string]bool // hosts already logged, so a flood is one line each
}

// maxWarnedHosts bounds the hosts remembered for logging.
const maxWarnedHosts = 100

func newHostGuard(f *meeting.File, next http.Handler, log *slog.Logger) *hostGuard {
	g := &hostGuard{next: next, names: map[string]bool{"localhost": true}, log: log, warned: map[string]bool{}}
	if f != nil {
		if u, err := url.Parse(f.Server.PublicURL); err == nil && u.Hostname() != "" {
			g.names[normalHost(u.Hostname())] = true
		}
		for _, h := range f.Server.AllowedHosts {
			g.names[normalHost(h)] = true
		}
	}
	return g
}

func normalHost(h string) string { return strings.ToLower(strings.TrimSuffix(h, ".")) }

// allowed reports whether a Host header names this server.
func (g *hostGuard) allowed(hostport string) bool {
	if hostport == "" {
		return true // HTTP/1.0 without Host: no browser, no rebinding
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return true // an address is no name to rebind
	}
	return g.names[normalHost(host)]
}

func (g *hostGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.allowed(r.Host) {
		g.next.ServeHTTP(w, r)
		return
	}
	g.mu.Lock()
	first := !g.warned[r.Host] && len(g.warned) < maxWarnedHosts
	if first {
		g.warned[r.Host] = true
	}
	g.mu.Unlock()
	if first {
		g.log.Warn("request for a host this server does not answer to refused: if it is this server's name, set server.public_url or add it to server.allowed_hosts",
			"host", r.Host, "remote", r.RemoteAddr, "path", r.URL.Path)
	}
	http.Error(w, "this server does not answer to that host name", http.StatusMisdirectedRequest)
}

// thisMachineOnly serves next only to a client on this machine: a loopback
// peer that is not a proxy forwarding someone else's request. It is how
// /metrics and /healthz are kept on the public listener when
// server.metrics_listen does not move them.
func thisMachineOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		forwarded := r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("X-Real-Ip") != ""
		if err != nil || !ap.Addr().Unmap().IsLoopback() || forwarded {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hstsMaxAge is a year: browsers that once reached the meeting over https
// never try plain http for it again. Subdomains are left alone, they may
// be other people's.
const hstsMaxAge = "max-age=31536000"

// withHSTS sets Strict-Transport-Security on every response of a server
// reached over https (its own TLS, or an https public URL in front of it).
func withHSTS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsMaxAge)
		next.ServeHTTP(w, r)
	})
}

// warnPlainHTTP says, at start, that a listener other people can reach
// serves plain http.
func warnPlainHTTP(f *meeting.File, addr string, log *slog.Logger) {
	if strings.HasPrefix(f.Server.PublicURL, "https://") {
		log.Warn("plain http on a network address, behind the https proxy of server.public_url: keep the proxy's hop private, or listen on 127.0.0.1",
			"listen", addr)
		return
	}
	log.Warn("plain http on a network address: browsers give rooms the microphone only over https, and tokens and audio cross the network readable; set server.tls, or listen on 127.0.0.1 behind an https proxy",
		"listen", addr)
}
