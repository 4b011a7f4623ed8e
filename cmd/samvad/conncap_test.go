package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/meeting"
)

// TestOneAddressCannotHoldTheServer: connections from one address past
// twice its websocket limit are closed at once, and kept-alive HTTP
// connections without a request are closed when idle; another address
// (the rooms of the meeting) is served all along.
func TestOneAddressCannotHoldTheServer(t *testing.T) {
	text := strings.Replace(metricsMeeting, `server: {listen: "127.0.0.1:0"}`, `server: {listen: "127.0.0.1:0", limits: {connections_per_ip: 3}}`, 1)
	f, err := meeting.Parse("cap.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(f, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)), serverOptions{loopbackOnly: true, idleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := strings.TrimPrefix(srv.baseURL, "http://")

	// Six kept-alive connections, one request each: the cap.
	var held []net.Conn
	for i := range 6 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		res.Body.Close()
		held = append(held, c)
	}
	// The seventh from the same address is closed before any HTTP.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	var ne net.Error
	if n, err := c.Read(make([]byte, 1)); err == nil || n > 0 || errors.As(err, &ne) && ne.Timeout() || time.Since(start) > time.Second {
		t.Errorf("a connection over the cap was not closed at once: %d, %v after %v", n, err, time.Since(start))
	}
	// Idle, the six are closed by the server within the idle timeout.
	for i, c := range held {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("idle connection %d: %v, want closed by the server", i+1, err)
		}
	}
	// And the address is served again.
	res, err := http.Get(srv.baseURL + "/healthz")
	if err != nil {
		t.Fatalf("after the idle ones closed: %v", err)
	}
	res.Body.Close()
}
