//go:build e2e

package web_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/livekittest"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
)

// startLiveKitMeeting is startMeeting with the meeting's media on a real
// LiveKit server: the samvad server hands out grants and follows the
// LiveKit room, the bot records it, as samvad run does with engine
// livekit.
func startLiveKitMeeting(t *testing.T) (*liveMeeting, *livekittest.Server) {
	t.Helper()
	lk := livekittest.Start(t, livekittest.Options{})
	// left_early_before short enough for a room of this test to leave early.
	y := strings.Replace(e2eYAML, "demo: true}", "left_early_before: 2s, demo: true}", 1)
	f, err := meeting.Parse("e2e-lk.yaml", []byte(strings.Replace(y, "rooms:",
		"media: {engine: livekit, livekit: {url: \""+lk.URL+"\", api_key: "+livekittest.Key+", api_secret: {plain: "+livekittest.Secret+"}}}\nrooms:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	m := &liveMeeting{logs: &logtest.Buffer{}, botDone: make(chan string, 1)}
	log := slog.New(slog.NewTextHandler(m.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	livekit.SetProcessLogger(log)
	grants, err := livekit.NewGrants(f)
	if err != nil {
		t.Fatal(err)
	}
	sig := signaling.New(f, signaling.WithGranter(grants), signaling.WithLogger(log))
	srv := m.serve(t, f, sig, false)

	watchSrc, err := livekit.NewSource(livekit.SourceConfig{File: f, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if err := watchSrc.Watch(ctx, sig); err != nil {
			t.Errorf("watch: %v", err)
		}
	}()
	rec, err := livekit.NewSource(livekit.SourceConfig{File: f, Logger: log, Report: sig.SetRecorderStatus})
	if err != nil {
		t.Fatal(err)
	}
	botCtx, stopBot := context.WithCancel(context.Background())
	m.stopBot = stopBot
	m.bot = bot.New(bot.Config{Source: rec, Dir: t.TempDir(), File: f, Logger: log,
		// As samvad run does: the recorder tells the roll call who is silent.
		OnEvent: func(e recording.Event) {
			if e.Event == recording.EventAudioStopped || e.Event == recording.EventAudioStarted {
				sig.SetSilent(e.Room, e.Event == recording.EventAudioStopped, e.At)
			}
		}})
	go func() {
		folder, err := m.bot.Run(botCtx)
		if err != nil {
			t.Errorf("bot: %v", err)
		}
		m.botDone <- folder
	}()
	select {
	case <-m.bot.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("the bot did not join")
	}
	t.Cleanup(func() {
		m.stop(t)
		cancel()
		<-watched
		sig.Close()
		srv.Close()
	})
	return m, lk
}

// simulatedRoom is a room of the simulator's kind in the LiveKit meeting:
// it joins through samvad for its grant, then speaks an 880 Hz burst every
// 1.5 s until stop, which returns when each burst was sent.
func simulatedRoom(t *testing.T, m *liveMeeting, id, token string) (stop func() []time.Time) {
	t.Helper()
	const total = 90 * time.Second
	var bursts []audiotest.Burst
	for at := time.Second; at < total; at += 1500 * time.Millisecond {
		bursts = append(bursts, audiotest.Burst{At: at, Dur: 250 * time.Millisecond, Freq: 880, Amp: 0.5})
	}
	pkts, err := audiotest.Encode(audiotest.Render(total, bursts), audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	r, err := livekit.JoinThroughSamvad(ctx, livekit.SamvadJoin{URL: "ws" + strings.TrimPrefix(m.base, "http") + "/ws",
		Meeting: "e2e", Room: id, Token: token, Logger: slog.New(slog.NewTextHandler(m.logs, nil))})
	if err != nil {
		t.Fatalf("%s joins: %v", id, err)
	}
	done, finished := make(chan struct{}), make(chan []time.Time, 1)
	go func() {
		var sent []time.Time
		t0 := time.Now().Add(500 * time.Millisecond)
		defer func() { r.Leave(); finished <- sent }()
		for k, p := range pkts {
			at := t0.Add(time.Duration(k) * 20 * time.Millisecond)
			select {
			case <-time.After(time.Until(at)):
			case <-done:
				return
			}
			if k%75 == 50 { // a burst starts: every 1.5 s from 1 s
				sent = append(sent, at)
			}
			r.Mic().Send(p, 960, 60)
		}
	}()
	var once sync.Once
	var sent []time.Time
	return func() []time.Time {
		once.Do(func() { close(done); sent = <-finished })
		return sent
	}
}

// TestE2ELiveKitJoinMuteLeave: the same join page and roll call with the
// meeting's media on LiveKit. A simulated room speaks all along; headless
// Chromium joins through the page (grant from samvad, media through
// livekit-client), speaks, mutes, unmutes and leaves early; the roll call
// follows; the recording holds the page's tone where it spoke and silence
// where it was muted, the simulated room's bursts at their times (±20 ms),
// and the page's room is left_early in attendance.csv.
func TestE2ELiveKitJoinMuteLeave(t *testing.T) {
	m, lk := startLiveKitMeeting(t)
	b := startBrowser(t, toneWAV(t, t.TempDir()))
	stopDumka := simulatedRoom(t, m, "dumka", "dumka-secret-e2e")

	rc := b.tab(t, "rollcall")
	navigate(t, rc, m.staffBase+"/rollcall#token=staff-secret-e2e")
	waitFor(t, rc, "the roll call to go live", `#conn[data-state="connected"]`, 10*time.Second)
	waitFor(t, rc, "Ranchi not yet joined", tile("ranchi", `[data-state="absent"]`), 5*time.Second)
	waitFor(t, rc, "the recorder's health", `#rec-state[data-state="on"]`, 15*time.Second)

	jp := b.tab(t, "join")
	navigate(t, jp, m.base+"/join/ranchi#token=ranchi-secret-e2e")
	waitFor(t, jp, "the join button", `#join:not([hidden])`, 5*time.Second)
	click(t, jp, "#join")
	waitFor(t, jp, "the join page to connect", `#conn[data-state="connected"]`, 15*time.Second)
	waitFor(t, jp, "the recording banner", `#recording.banner-rec`, 10*time.Second)
	waitFor(t, jp, "the level meter to move", `#level:not([aria-valuenow="0"])`, 10*time.Second)
	waitFor(t, rc, "Ranchi connected on the roll call", tile("ranchi", `[data-conn="connected"]`), 15*time.Second)

	folder := m.bot.Folder()
	waitEvent(t, folder, "ranchi", recording.EventAudioStarted, 20*time.Second)
	waitFor(t, rc, "Ranchi speaking on the roll call", tile("ranchi", `[data-state="speaking"]`), 15*time.Second)
	time.Sleep(3 * time.Second)

	click(t, jp, "#mute")
	waitFor(t, jp, "the mute button pressed", `#mute[aria-pressed="true"]`, 2*time.Second)
	waitFor(t, rc, "Ranchi muted on the roll call", tile("ranchi", `[data-state="muted"]`), 10*time.Second)
	time.Sleep(3 * time.Second)

	click(t, jp, "#mute")
	waitFor(t, jp, "the mute button released", `#mute[aria-pressed="false"]`, 2*time.Second)
	waitFor(t, rc, "Ranchi speaking again", tile("ranchi", `[data-state="speaking"]`), 15*time.Second)
	time.Sleep(2 * time.Second)
	screenshot(t, jp, "livekit-join-connected.png")
	screenshot(t, rc, "livekit-rollcall-connected.png")

	click(t, jp, "#leave")
	waitFor(t, jp, "the join page to say left", `#conn[data-state="left"]`, 5*time.Second)
	waitFor(t, rc, "Ranchi left on the roll call", tile("ranchi", `[data-conn="left"][data-state="left"]`), 15*time.Second)
	// The meeting goes on a while without Ranchi: it left early.
	time.Sleep(3 * time.Second)
	dumkaSent := stopDumka()
	time.Sleep(time.Second)

	got := m.stop(t)
	if got != folder {
		t.Errorf("bot recorded into %s, the test watched %s", got, folder)
	}
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatalf("minutes.Build: %v", err)
	}
	checkPageAudio(t, folder, "ranchi")

	// The simulated room's bursts are at the times they were sent.
	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	dd, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", "dumka.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	onsets := audiotest.DetectBursts(dd.PCM, audiotest.DetectConfig{})
	if len(dumkaSent) < 5 {
		t.Fatalf("the simulated room sent only %d bursts", len(dumkaSent))
	}
	for _, at := range dumkaSent {
		want := at.Sub(man.StartedAt())
		found := false
		for _, o := range onsets {
			if d := o.At - want; d > -20*time.Millisecond && d < 20*time.Millisecond && math.Abs(o.Freq-880) < 30 {
				found = true
			}
		}
		if !found {
			t.Errorf("dumka: no 880 Hz burst within ±20 ms of %v; found %v", want, onsets)
		}
	}
	csv, err := os.ReadFile(filepath.Join(folder, minutes.AttendanceFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nranchi,Ranchi,रांची,district,\"Samargarh Resort, Hazaribagh Road\",left_early,", "\ndumka,Dumka,दुमका,district,,late,", "\nbokaro,Bokaro,बोकारो,district,,absent,"} {
		if !strings.Contains(string(csv), want) {
			t.Errorf("attendance.csv lacks %q:\n%s", want, csv)
		}
	}
	m.checkNoTokens(t)
	b.checkURLs(t, m, lk.URL)
}
