package main

import (
	"strings"
	"testing"

	"github.com/samvad/samvad/meeting"
)

// TestServerWebsocket: `samvad bot --config F` on samvad's own relay finds
// the server the file describes.
func TestServerWebsocket(t *testing.T) {
	const head = "meeting: {id: m, title: T, starts_at: 2023-11-21T14:00:00+05:30, demo: true}\nrecorder_token: {plain: r}\nstaff_token: {plain: s}\nrooms: [{id: a, kind: district, name: A, token: {plain: a}}]\n"
	for _, tc := range []struct{ server, want string }{
		{"", "ws://127.0.0.1:8080/ws"},
		{"server: {listen: \":9000\"}\n", "ws://127.0.0.1:9000/ws"},
		{"server: {listen: \"10.0.0.2:9000\"}\n", "ws://10.0.0.2:9000/ws"},
		{"server: {listen: \":443\", public_url: \"https://samvad.example.org/\"}\n", "wss://samvad.example.org/ws"},
		{"server: {listen: \":443\", tls: {cert: c.pem, key: k.pem}}\n", "wss://127.0.0.1:443/ws"},
	} {
		f, err := meeting.Parse("m.yaml", []byte(head+tc.server))
		if err != nil {
			t.Fatal(err)
		}
		if got := serverWebsocket(f); got != tc.want {
			t.Errorf("%s: %s, want %s", strings.TrimSpace(tc.server), got, tc.want)
		}
	}
}
