package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
)

const linksMeeting = `
meeting: {id: links, title: Links test, starts_at: 2023-11-21T14:00:00+05:30, demo: true}
server: {listen: "127.0.0.1:0"}
recording: {dir: DIR}
recorder_token: {plain: rec-links}
staff_token: {plain: staff-links}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: t-host-links}}
  - {id: ranchi, kind: district, name: Ranchi, token: {plain: t-ranchi-links}}
`

// runUntilLinks runs samvad run with args until it has printed the
// roll-call link, then stops it, and returns what it printed.
func runUntilLinks(t *testing.T, terminal bool, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "links.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(linksMeeting, "DIR", filepath.Join(dir, "recordings"), 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{}), terminal: terminal}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"run", "--config", path}, args...), e) }()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stdout.String(), "metrics:") {
		if time.Now().After(deadline) {
			t.Fatalf("samvad run printed no links:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("samvad run: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "-links") {
		t.Errorf("the log holds a token:\n%s", stderr.String())
	}
	return stdout.String()
}

// TestRunPrintsTokensOnlyToATerminal: samvad run's join links carry their
// tokens on a terminal or with --links; printed to a pipe or a file
// (journald, a redirect), they go out bare, with a line saying why and how
// to get them.
func TestRunPrintsTokensOnlyToATerminal(t *testing.T) {
	secrets := []string{"staff-links", "t-host-links", "t-ranchi-links"}
	out := runUntilLinks(t, false)
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("a token went to a standard output that is no terminal:\n%s", out)
		}
	}
	for _, want := range []string{"/join/ranchi\n", "/rollcall\n", "links printed without their tokens", "--links", "samvad tokens --config"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for name, out := range map[string]string{"terminal": runUntilLinks(t, true), "--links": runUntilLinks(t, false, "--links")} {
		for _, want := range []string{"/join/ranchi#token=t-ranchi-links", "/rollcall#token=staff-links"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", name, want, out)
			}
		}
		if strings.Contains(out, "without their tokens") {
			t.Errorf("%s: says tokens were withheld:\n%s", name, out)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is taken for a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Error("a pipe (journald's stdout) is taken for a terminal")
	}
}

// TestRunOnANetworkAddressRecords: samvad run listening on every address,
// as on the day, where the relay does not use the loopback candidates of
// its own bot and of a room on this machine: both get in through their own
// checks, and the room is recorded.
func TestRunOnANetworkAddressRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "net.yaml")
	text := strings.Replace(strings.Replace(linksMeeting, "DIR", filepath.Join(dir, "recordings"), 1), `listen: "127.0.0.1:0"`, `listen: "0.0.0.0:0"`, 1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "--config", path}, e) }()
	var base string
	printed := meetingtest.Eventually(20*time.Second, func() bool {
		m := regexp.MustCompile(`roll call:\s+(http://\S+)/rollcall`).FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	if !printed {
		t.Fatalf("samvad run prints no roll-call link:\n%s\n%s", stdout.String(), stderr.String())
	}
	host, err := participant.Join(context.Background(), participant.Config{
		URL: "ws" + strings.TrimPrefix(base, "http") + "/ws", Mic: true, Loopback: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Join: signaling.Message{Meeting: "links", Role: signaling.RoleRoom, Room: "host", Token: "t-host-links"},
	}, participant.Handlers{})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	stopTone := meetingtest.SendTone(host, 440)
	var seg string
	meetingtest.WaitUntil(t, "the host's audio in its segment", 20*time.Second, func() bool {
		segs, _ := filepath.Glob(filepath.Join(dir, "recordings", "*", "segments", "host", "0001.ogg"))
		if len(segs) == 1 {
			seg = segs[0]
			st, err := os.Stat(seg)
			return err == nil && st.Size() > 4000
		}
		return false
	})
	stopTone()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("samvad run: %v\n%s", err, stderr.String())
	}
	if seg == "" {
		t.Errorf("nothing recorded; the log:\n%s", stderr.String())
	}
}
