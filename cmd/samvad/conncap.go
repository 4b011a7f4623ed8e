package main

import (
	"log/slog"
	"net"
	"sync"
)

// capListener closes, at once, a connection from an address that already
// has max open: one address must not hold the server's HTTP connections
// (a page's few parallel requests and its websocket are far below it).
// Websockets are also capped per address by the signalling server, with a
// clear error; this cap is for everything else, before any HTTP is read.
type capListener struct {
	net.Listener
	max int
	log *slog.Logger

	mu     sync.Mutex
	open   map[string]int
	warned map[string]bool
}

func newCapListener(ln net.Listener, max int, log *slog.Logger) *capListener {
	return &capListener{Listener: ln, max: max, log: log, open: map[string]int{}, warned: map[string]bool{}}
}

// Accept returns the next connection within the cap; those over it are
// closed here and never reach the HTTP server.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(c.RemoteAddr())
		l.mu.Lock()
		if l.open[ip] >= l.max {
			first := !l.warned[ip]
			l.warned[ip] = true
			l.mu.Unlock()
			if first {
				l.log.Warn("connections refused: too many open from one address", "remote", ip, "limit", l.max)
			}
			c.Close()
			continue
		}
		l.open[ip]++
		l.mu.Unlock()
		return &cappedConn{Conn: c, l: l, ip: ip}, nil
	}
}

func (l *capListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
		delete(l.warned, ip)
	}
}

type cappedConn struct {
	net.Conn
	l    *capListener
	ip   string
	once sync.Once
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}

func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
