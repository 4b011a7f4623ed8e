package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/samvad/samvad/meeting"
)

const guardMeeting = `
meeting: {id: g, title: Guard test, starts_at: 2023-11-21T14:00:00+05:30, demo: true}
server: {listen: "127.0.0.1:0", public_url: "https://samvad.example.org", allowed_hosts: [meet.party.local]}
recorder_token: {plain: rec}
staff_token: {plain: staff}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: t-host}}
  - {id: ranchi, kind: district, name: Ranchi, location: "Samargarh Resort", token: {plain: t-ranchi}}
`

// fetch GETs url with the given Host and headers, and returns the status
// and body.
func fetch(t *testing.T, url, host string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s (Host %s): %v", url, host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestHostAllowList: a page on a name its owner points at this machine
// (DNS rebinding) reaches nothing; the server's own names and addresses
// reach everything.
func TestHostAllowList(t *testing.T) {
	srv, _ := startTestServer(t, "guard.yaml", guardMeeting)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.baseURL, "http://"))
	for _, host := range []string{"", "127.0.0.1:" + port, "localhost:" + port, "samvad.example.org", "Samvad.Example.org.:443", "meet.party.local:" + port, "[::1]:" + port} {
		for _, path := range []string{"/", "/join/ranchi", "/metrics", "/healthz"} {
			if code, _ := fetch(t, srv.baseURL+path, host); code != http.StatusOK {
				t.Errorf("GET %s with Host %q: %d, want 200", path, host, code)
			}
		}
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "samvad.example.org.evil.example", "localhost.evil.example"} {
		for _, path := range []string{"/", "/join/ranchi", "/metrics", "/healthz", "/ws", "/assets/join.js"} {
			code, body := fetch(t, srv.baseURL+path, host)
			if code != http.StatusMisdirectedRequest || strings.Contains(body, "samvad_") {
				t.Errorf("GET %s with Host %q: %d, want 421\n%.200s", path, host, code, body)
			}
		}
	}
}

// TestMetricsOffThePublicListener: /metrics and /healthz answer only this
// machine on the public listener (a request a proxy forwards is not this
// machine's), and with server.metrics_listen only on that listener.
func TestMetricsOffThePublicListener(t *testing.T) {
	t.Run("default: this machine only", func(t *testing.T) {
		srv, _ := startTestServer(t, "guard.yaml", guardMeeting)
		for _, path := range []string{"/metrics", "/healthz"} {
			if code, body := fetch(t, srv.baseURL+path, ""); code != http.StatusOK || !strings.Contains(body, "samvad_rooms_connected") && path == "/metrics" {
				t.Errorf("%s from this machine: %d", path, code)
			}
			for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
				if code, _ := fetch(t, srv.baseURL+path, "", h, "203.0.113.9"); code != http.StatusNotFound {
					t.Errorf("%s forwarded by a proxy (%s): %d, want 404", path, h, code)
				}
			}
		}
	})

	t.Run("from another machine", func(t *testing.T) {
		ip := nonLoopbackIP(t)
		f, err := meeting.Parse("guard.yaml", []byte(strings.Replace(guardMeeting, `listen: "127.0.0.1:0"`, `listen: "0.0.0.0:0"`, 1)))
		if err != nil {
			t.Fatal(err)
		}
		srv, err := startServer(f, "0.0.0.0:0", slog.New(slog.NewTextHandler(io.Discard, nil)), serverOptions{loopbackOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.baseURL, "http://"))
		other := "http://" + net.JoinHostPort(ip, port)
		if code, _ := fetch(t, other+"/join/ranchi", ""); code != http.StatusOK {
			t.Errorf("the join page from %s: %d", ip, code)
		}
		for _, path := range []string{"/metrics", "/healthz"} {
			if code, _ := fetch(t, other+path, ""); code != http.StatusNotFound {
				t.Errorf("%s from %s: %d, want 404", path, ip, code)
			}
		}
	})

	t.Run("server.metrics_listen", func(t *testing.T) {
		srv, _ := startTestServer(t, "guard.yaml", strings.Replace(guardMeeting, "allowed_hosts:", `metrics_listen: "127.0.0.1:0", allowed_hosts:`, 1))
		if srv.ops == nil || !strings.HasPrefix(srv.metricsURL(), "http://127.0.0.1:") {
			t.Fatalf("no metrics listener: %q", srv.metricsURL())
		}
		for _, path := range []string{"/metrics", "/healthz"} {
			if code, _ := fetch(t, srv.baseURL+path, ""); code != http.StatusNotFound {
				t.Errorf("%s on the public listener: %d, want 404", path, code)
			}
		}
		if code, body := fetch(t, srv.metricsURL(), ""); code != http.StatusOK || !strings.Contains(body, "samvad_rooms_connected") {
			t.Errorf("/metrics on server.metrics_listen: %d\n%.300s", code, body)
		}
		if code, body := fetch(t, srv.ops.url+"/healthz", ""); code != http.StatusOK || !strings.Contains(body, `"meeting":"g"`) {
			t.Errorf("/healthz on server.metrics_listen: %d %s", code, body)
		}
		if code, _ := fetch(t, srv.metricsURL(), "evil.example"); code != http.StatusMisdirectedRequest {
			t.Errorf("/metrics on server.metrics_listen for Host evil.example: %d, want 421", code)
		}
	})
}

// nonLoopbackIP is an IPv4 address of this machine other than loopback,
// or the test is skipped.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no address but loopback")
	return ""
}
