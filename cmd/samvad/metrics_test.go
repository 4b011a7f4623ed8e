package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
)

const metricsMeeting = `
meeting: {id: m, title: Metrics test, starts_at: 2023-11-21T14:00:00+05:30, demo: true}
server: {listen: "127.0.0.1:0"}
recorder_token: {plain: rec}
staff_token: {plain: staff}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: t-host}}
  - {id: ranchi, kind: district, name: Ranchi, token: {plain: t-ranchi}}
`

// scrape returns the value of one series of a /metrics page, or -1.
func scrape(t *testing.T, url, series string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// The server serves /metrics on its own listener, and samvad bot --metrics
// on the address given: a room's packets show up received and forwarded by
// the relay, and received and written by the bot.
func TestMetricsEndpoints(t *testing.T) {
	srv, log := startTestServer(t, "m.yaml", metricsMeeting)
	serverMetrics := srv.baseURL + "/metrics"
	if v := scrape(t, serverMetrics, "samvad_rooms_connected"); v != 0 {
		t.Errorf("samvad_rooms_connected %v before anyone joined, want 0", v)
	}

	host, err := participant.Join(context.Background(), participant.Config{
		URL: srv.wsURL, Mic: true, Loopback: true, Logger: log,
		Join: signaling.Message{Meeting: "m", Role: signaling.RoleRoom, Room: "host", Token: "t-host"},
	}, participant.Handlers{})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	defer meetingtest.SendTone(host, 440)()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // a failed wait ends the test before it stops the bot
	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"bot", "--url", srv.wsURL, "--meeting", "m", "--token", "rec", "--out", t.TempDir(), "--metrics", "127.0.0.1:0"}, e)
	}()
	var botMetrics string
	meetingtest.WaitUntil(t, "the bot says where its metrics are", 20*time.Second, func() bool {
		m := regexp.MustCompile(`metrics at (\S+)`).FindStringSubmatch(stdout.String())
		if m != nil {
			botMetrics = m[1]
		}
		return m != nil
	})
	meetingtest.WaitUntil(t, "the bot receives and writes the host's packets", 20*time.Second, func() bool {
		return scrape(t, botMetrics, `samvad_bot_packets_written_total{room="host"}`) > 10 &&
			scrape(t, botMetrics, `samvad_bot_packets_received_total{room="host"}`) > 10
	})
	for _, s := range []string{"samvad_bot_rooms_connected", "samvad_bot_disk_free_bytes", `samvad_bot_segments_opened_total{room="host"}`, "go_goroutines"} {
		if v := scrape(t, botMetrics, s); v <= 0 {
			t.Errorf("bot: %s = %v, want more than 0", s, v)
		}
	}
	meetingtest.WaitUntil(t, "the relay forwards the host's packets to the recorder", 20*time.Second, func() bool {
		return scrape(t, serverMetrics, `samvad_relay_packets_forwarded_total{room="host"}`) > 10
	})
	if v := scrape(t, serverMetrics, "samvad_rooms_connected"); v != 1 {
		t.Errorf("samvad_rooms_connected %v, want 1", v)
	}
	if v := scrape(t, serverMetrics, `samvad_signaling_joins_total{role="recorder"}`); v != 1 {
		t.Errorf("recorder joins %v, want 1", v)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("samvad bot: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "metrics server") {
		t.Errorf("metrics server error:\n%s", stderr.String())
	}
}

// startTestServer runs the meeting file text (named name in errors) on a
// loopback port until the test ends; log discards everything.
func startTestServer(t *testing.T, name, text string) (srv *meetingServer, log *slog.Logger) {
	t.Helper()
	f, err := meeting.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	log = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err = startServer(f, "127.0.0.1:0", log, serverOptions{loopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, log
}
