//go:build e2e

// End-to-end tests in a real browser: headless Chromium, driven over the
// DevTools protocol (chromedp), joins a meeting started in this process
// (relay + signalling + these pages + the recording bot, as samvad run
// starts them) through the join page, with a fake microphone playing a
// generated tone. The recording must hold that tone where the page spoke
// and silence where it was muted; the roll call, open in a second tab,
// must follow it.
//
//	go test -tags e2e ./web/
//
// Chromium comes from the system (Debian: apt-get install chromium);
// SAMVAD_CHROMIUM names another binary, SAMVAD_E2E_SHOTS a folder to copy
// the screenshots to. Media stays on loopback: the relay offers only
// 127.0.0.1 (relay.Config{LoopbackOnly: true}) and Chromium is started
// with --allow-loopback-in-peer-connection so that it gathers a loopback
// candidate too.
package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/web"
)

const e2eYAML = `
meeting: {id: e2e, title: "End-to-end test", title_hi: "परीक्षण बैठक", starts_at: 2023-11-21T14:00:00+05:30, late_after: 10m, demo: true}
recorder_token: {plain: rec-secret-e2e}
staff_token: {plain: staff-secret-e2e}
rooms:
  - {id: host, kind: host, name: "Executive President", name_hi: "कार्यकारी अध्यक्ष", token: {plain: host-secret-e2e}}
  - {id: ranchi, kind: district, name: Ranchi, name_hi: रांची, location: "Samargarh Resort, Hazaribagh Road", token: {plain: ranchi-secret-e2e}}
  - {id: dumka, kind: district, name: Dumka, name_hi: दुमका, token: {plain: dumka-secret-e2e}}
  - {id: bokaro, kind: district, name: Bokaro, name_hi: बोकारो, token: {plain: bokaro-secret-e2e}}
`

var e2eSecrets = []string{"rec-secret-e2e", "staff-secret-e2e", "host-secret-e2e", "ranchi-secret-e2e", "dumka-secret-e2e", "bokaro-secret-e2e"}

// lockedBuffer collects the server's and the bot's logs, to prove that no
// token ever reaches them.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// connListener remembers every accepted connection so a test can cut
// them all, as a network drop would.
type connListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *connListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *connListener) cutAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// liveMeeting is a meeting served in-process, with its recording bot.
type liveMeeting struct {
	base      string // for the rooms' join pages
	staffBase string // for the roll call and the bot
	ln        *connListener
	logs      *lockedBuffer
	mu        sync.Mutex
	requests  []string // every URL the server was asked for
	bot       *bot.Bot
	stopBot   context.CancelFunc
	stopOnce  sync.Once
	folder    string
	botDone   chan string
}

func startMeeting(t *testing.T) *liveMeeting {
	t.Helper()
	f, err := meeting.Parse("e2e.yaml", []byte(e2eYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := &liveMeeting{logs: &lockedBuffer{}, botDone: make(chan string, 1)}
	log := slog.New(slog.NewTextHandler(m.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rl, err := relay.New(relay.Config{LoopbackOnly: true}, relay.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	sig := signaling.New(f, signaling.WithRelay(rl), signaling.WithLogger(log))
	srv := m.serve(t, f, sig, true)

	ctx, cancel := context.WithCancel(context.Background())
	m.stopBot = cancel
	b := bot.New(bot.Config{
		URL: "ws" + strings.TrimPrefix(m.staffBase, "http") + "/ws", Meeting: "e2e", Token: "rec-secret-e2e",
		Dir: t.TempDir(), File: f, Loopback: true, Logger: log,
	})
	m.bot = b
	go func() {
		folder, err := b.Run(ctx)
		if err != nil {
			t.Errorf("bot: %v", err)
		}
		m.botDone <- folder
	}()
	select {
	case <-b.Ready():
	case <-time.After(15 * time.Second):
		t.Fatal("the bot did not join")
	}
	t.Cleanup(func() {
		// The bot must be gone before its folder in TempDir is removed.
		m.stop(t)
		sig.Close()
		srv.Close()
		rl.Close()
	})
	return m
}

// serve puts the meeting's signalling and pages on loopback, as
// startServer in cmd/samvad/serve.go mounts them, keeping every URL asked
// for. The rooms' pages come in through m.ln, whose connections a test can
// cut like a network drop; with a staff door the roll call and the bot
// come in through another, which stays up to watch the drop.
func (m *liveMeeting) serve(t *testing.T, f *meeting.File, sig *signaling.Server, staffDoor bool) *http.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", sig.Handler())
	web.New(f).Register(mux)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.ln = &connListener{Listener: raw}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.requests = append(m.requests, r.URL.String()+" referer="+r.Referer())
		m.mu.Unlock()
		mux.ServeHTTP(w, r)
	})}
	go srv.Serve(m.ln)
	m.base = "http://" + raw.Addr().String()
	m.staffBase = m.base
	if staffDoor {
		staffLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(staffLn)
		m.staffBase = "http://" + staffLn.Addr().String()
	}
	return srv
}

// stop ends the recording and returns its folder.
func (m *liveMeeting) stop(t *testing.T) string {
	t.Helper()
	m.stopOnce.Do(func() {
		m.stopBot()
		select {
		case m.folder = <-m.botDone:
		case <-time.After(30 * time.Second):
			t.Error("the bot did not stop")
		}
	})
	return m.folder
}

func (m *liveMeeting) checkNoTokens(t *testing.T) {
	t.Helper()
	logs := m.logs.String()
	m.mu.Lock()
	reqs := strings.Join(m.requests, "\n")
	m.mu.Unlock()
	if len(logs) == 0 || len(reqs) == 0 {
		t.Fatal("no logs or requests captured")
	}
	for _, s := range e2eSecrets {
		if strings.Contains(logs, s) {
			t.Errorf("a token (%s…) is in the server's logs", s[:4])
		}
		if strings.Contains(reqs, s) || strings.Contains(strings.ToLower(reqs), "token") {
			t.Errorf("a token is in a URL the server was asked for:\n%s", reqs)
		}
	}
}

// toneWAV writes a 48 kHz 16-bit mono WAV of a 440 Hz tone, for Chromium's
// fake microphone (which loops it). The tone comes in 400 ms bursts with
// short gaps, like speech: a steady tone is what noise suppression learns
// to remove.
func toneWAV(t *testing.T, dir string) string {
	t.Helper()
	const rate, secs = 48000, 4
	pcm := make([]int16, rate*secs)
	for i := range pcm {
		inBurst := (i % (rate / 2)) < rate*2/5
		if inBurst {
			pcm[i] = int16(0.5 * 32767 * math.Sin(2*math.Pi*440*float64(i)/rate))
		}
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+2*len(pcm)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		binary.Write(&b, le, v) // fmt chunk: PCM, mono, 48 kHz, 16 bit
	}
	b.WriteString("data")
	binary.Write(&b, le, uint32(2*len(pcm)))
	binary.Write(&b, le, pcm)
	path := filepath.Join(dir, "tone440.wav")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SAMVAD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: install it (apt-get install -y chromium) or set SAMVAD_CHROMIUM")
	return ""
}

// browser starts headless Chromium with a fake microphone playing wav.
// Every console error and uncaught exception (a CSP violation is one)
// fails the test; every URL the browser requests is kept for checkURLs.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	urls []string
}

func startBrowser(t *testing.T, wav string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1500, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{ctx: ctx}
}

// tab opens a new tab and watches it.
func (b *browser) tab(t *testing.T, name string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.mu.Lock()
			b.urls = append(b.urls, ev.Request.URL)
			b.mu.Unlock()
		case *network.EventWebSocketCreated:
			b.mu.Lock()
			b.urls = append(b.urls, ev.URL)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			t.Logf("%s console %s: %s", name, m.Type, m.String())
			if m.IsException() || m.Type == "error" {
				t.Errorf("%s: %s", name, m.String())
			}
		}
	}()
	return ctx
}

// checkURLs: the browser asked only this server, never with a token in a
// URL it sent (the token is in the fragment, which is not sent, and in
// the join message).
//
// With the meeting on LiveKit (lkURLs), the browser also reaches LiveKit:
// its websocket carries the short-lived LiveKit token in its URL, the only
// way LiveKit takes a browser's token, but never a samvad secret.
func (b *browser) checkURLs(t *testing.T, m *liveMeeting, lkURLs ...string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.urls) == 0 {
		t.Fatal("no requests seen")
	}
	ours := func(u string) bool {
		for _, base := range []string{m.base, m.staffBase} {
			host := strings.TrimPrefix(base, "http://")
			if strings.HasPrefix(u, "http://"+host+"/") || strings.HasPrefix(u, "ws://"+host+"/") {
				return true
			}
		}
		for _, lk := range lkURLs {
			host := strings.TrimPrefix(lk, "ws://")
			if strings.HasPrefix(u, "ws://"+host+"/") || strings.HasPrefix(u, "http://"+host+"/") {
				return true
			}
		}
		return strings.HasPrefix(u, "data:")
	}
	for _, u := range b.urls {
		sent := strings.SplitN(u, "#", 2)[0]
		for _, s := range e2eSecrets {
			if strings.Contains(sent, s) {
				t.Errorf("browser requested a URL with a token: %s", u)
			}
		}
		if !ours(u) {
			t.Errorf("browser requested something off this server: %s", u)
		}
	}
}

// waitFor waits until a CSS selector matches, with a timeout that names
// what was awaited.
func waitFor(t *testing.T, ctx context.Context, what, sel string, d time.Duration) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(c, chromedp.WaitReady(chromedp.CSS(sel))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, sel, err, text)
	}
	t.Logf("%s %s", time.Now().Format("15:04:05.000"), what)
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

func eval(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("SAMVAD_E2E_SHOTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
	t.Logf("screenshot: %s", path)
	return path
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

func tile(room, attrs string) string { return `li.tile[data-room="` + room + `"]` + attrs }

// roomEvents reads the events of one room from events.jsonl.
func roomEvents(t *testing.T, folder, room string) []recording.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(folder, recording.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, _, err := recording.ReadEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []recording.Event
	for _, e := range all {
		if e.Room == room {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits until the live events.jsonl has an event for room.
func waitEvent(t *testing.T, folder, room, event string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, e := range roomEvents(t, folder, room) {
			if e.Event == event {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s event for %s within %v", event, room, d)
}

func eventAt(t *testing.T, events []recording.Event, name string, nth int) time.Duration {
	t.Helper()
	for _, e := range events {
		if e.Event == name {
			if nth == 0 {
				return time.Duration(e.OffsetMS) * time.Millisecond
			}
			nth--
		}
	}
	t.Fatalf("no %s event (#%d) in %v", name, nth, events)
	return 0
}

// level is the RMS of pcm between two offsets, and its dominant frequency.
func level(pcm []float32, from, to time.Duration) (rms, freq float64) {
	a, b := audiotest.Samples(from), audiotest.Samples(to)
	if a < 0 {
		a = 0
	}
	if b > len(pcm) {
		b = len(pcm)
	}
	if b <= a {
		return 0, 0
	}
	win := pcm[a:b]
	var sum float64
	for _, s := range win {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(win))), audiotest.DominantFreq(win, 200, 1000, 10)
}

func TestE2EJoinMuteLeaveIsRecordedAndOnTheRollCall(t *testing.T) {
	m := startMeeting(t)
	b := startBrowser(t, toneWAV(t, t.TempDir()))

	// The roll call first, as IT staff open it before the rooms join.
	rc := b.tab(t, "rollcall")
	navigate(t, rc, m.staffBase+"/rollcall#token=staff-secret-e2e")
	waitFor(t, rc, "the roll call to go live", `#conn[data-state="connected"]`, 10*time.Second)
	waitFor(t, rc, "Ranchi not yet joined", tile("ranchi", `[data-state="absent"]`), 5*time.Second)
	waitFor(t, rc, "the recorder's health", `#rec-state[data-state="on"]`, 10*time.Second)
	href, count := eval(t, rc, `location.href`), eval(t, rc, `document.getElementById('count').textContent`)
	if strings.Contains(href, "token") {
		t.Errorf("the roll call kept its token in the address bar: %s", href)
	}
	if !strings.Contains(count, "0 of 3 districts connected") {
		t.Errorf("count %q", count)
	}

	// Ranchi joins through its link.
	jp := b.tab(t, "join")
	navigate(t, jp, m.base+"/join/ranchi#token=ranchi-secret-e2e")
	waitFor(t, jp, "the join button", `#join:not([hidden])`, 5*time.Second)
	href = eval(t, jp, `location.href`)
	if strings.Contains(href, "token") {
		t.Errorf("the join page kept its token in the address bar: %s", href)
	}
	// The page names no room until the server has taken its token.
	if got := eval(t, jp, `document.body.innerText`); strings.Contains(got, "Ranchi") || strings.Contains(got, "Samargarh") {
		t.Errorf("the join page names its room before joining:\n%s", got)
	}
	click(t, jp, "#join")
	waitFor(t, jp, "the join page to connect", `#conn[data-state="connected"]`, 15*time.Second)
	waitFor(t, jp, "the recording banner", `#recording.banner-rec`, 5*time.Second)
	if name, loc := eval(t, jp, `document.getElementById('room-name').innerText`), eval(t, jp, `document.getElementById('room-location').innerText`); !strings.Contains(name, "Ranchi") || !strings.Contains(name, "रांची") || loc != "Samargarh Resort, Hazaribagh Road" {
		t.Errorf("after joining the page shows room %q at %q", name, loc)
	}
	waitFor(t, jp, "the level meter to move", `#level:not([aria-valuenow="0"])`, 10*time.Second)
	waitFor(t, rc, "Ranchi connected on the roll call", tile("ranchi", `[data-conn="connected"]`), 10*time.Second)

	folder := m.bot.Folder()
	waitEvent(t, folder, "ranchi", recording.EventAudioStarted, 15*time.Second)
	waitFor(t, rc, "Ranchi speaking on the roll call", tile("ranchi", `[data-state="speaking"]`), 10*time.Second)
	count = eval(t, rc, `document.getElementById('count').textContent`)
	if !strings.Contains(count, "1 of 3 districts connected") {
		t.Errorf("count %q", count)
	}
	time.Sleep(3 * time.Second)

	click(t, jp, "#mute")
	waitFor(t, jp, "the mute button pressed", `#mute[aria-pressed="true"]`, 2*time.Second)
	waitFor(t, jp, "the muted banner", `#muted-banner:not([hidden])`, 2*time.Second)
	waitFor(t, rc, "Ranchi muted on the roll call", tile("ranchi", `[data-state="muted"]`), 5*time.Second)
	time.Sleep(3 * time.Second)

	click(t, jp, "#mute")
	waitFor(t, jp, "the mute button released", `#mute[aria-pressed="false"]`, 2*time.Second)
	waitFor(t, rc, "Ranchi speaking again", tile("ranchi", `[data-state="speaking"]`), 5*time.Second)
	time.Sleep(2 * time.Second)
	screenshot(t, jp, "join-connected.png")
	screenshot(t, rc, "rollcall-connected.png")
	time.Sleep(time.Second)

	click(t, jp, "#leave")
	waitFor(t, jp, "the join page to say left", `#conn[data-state="left"]`, 5*time.Second)
	waitFor(t, rc, "Ranchi left on the roll call", tile("ranchi", `[data-conn="left"][data-state="left"]`), 5*time.Second)
	count = eval(t, rc, `document.getElementById('count').textContent`)
	if !strings.Contains(count, "0 of 3 districts connected") {
		t.Errorf("count after leaving %q", count)
	}
	screenshot(t, rc, "rollcall-left.png")

	got := m.stop(t)
	if got != folder {
		t.Errorf("bot recorded into %s, the test watched %s", got, folder)
	}
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatalf("minutes.Build: %v", err)
	}
	checkPageAudio(t, folder, "ranchi")
	m.checkNoTokens(t)
	b.checkURLs(t, m)
}

// checkPageAudio checks what a page that joined, spoke the 440 Hz tone,
// muted, unmuted and left put in room's file: the tone where it spoke,
// silence before it joined, while muted and after it left, at the times
// events.jsonl gives for each.
func checkPageAudio(t *testing.T, folder, room string) {
	t.Helper()
	events := roomEvents(t, folder, room)
	joined := eventAt(t, events, recording.EventJoined, 0)
	muted := eventAt(t, events, recording.EventMuted, 0)
	unmuted := eventAt(t, events, recording.EventUnmuted, 0)
	left := eventAt(t, events, recording.EventLeft, 0)
	if !(joined < muted && muted < unmuted && unmuted < left) {
		t.Fatalf("events out of order: joined %v muted %v unmuted %v left %v", joined, muted, unmuted, left)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", room+".ogg"))
	if err != nil {
		t.Fatal(err)
	}
	first := eventAt(t, events, recording.EventAudioStarted, 0)
	for _, w := range []struct {
		what     string
		from, to time.Duration
		loud     bool
	}{
		{"before joining", 0, joined - 200*time.Millisecond, false},
		{"speaking", first + 500*time.Millisecond, muted - 300*time.Millisecond, true},
		{"muted", muted + 600*time.Millisecond, unmuted - 300*time.Millisecond, false},
		{"speaking again", unmuted + 800*time.Millisecond, left - 300*time.Millisecond, true},
		{"after leaving", left + 500*time.Millisecond, audiotest.Duration(len(dec.PCM)), false},
	} {
		rms, freq := level(dec.PCM, w.from, w.to)
		t.Logf("%-15s %6.2fs–%6.2fs rms %.4f dominant %.0f Hz", w.what, w.from.Seconds(), w.to.Seconds(), rms, freq)
		if w.loud && (rms < 0.02 || math.Abs(freq-440) > 20) {
			t.Errorf("%s: the recording is not the 440 Hz tone: rms %.4f, %.0f Hz", w.what, rms, freq)
		}
		if !w.loud && rms > 0.003 {
			t.Errorf("%s: the recording is not silent: rms %.4f", w.what, rms)
		}
	}
}

func typeInto(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		t.Fatalf("type into %s: %v", sel, err)
	}
}

// TestE2ETypedTokenHearingAndReconnect: a room without a token in its
// link types one (a wrong one first), two rooms hear each other, and
// after a network drop both pages say so and join again by themselves,
// while the roll call shows the drop and the return.
func TestE2ETypedTokenHearingAndReconnect(t *testing.T) {
	m := startMeeting(t)
	b := startBrowser(t, toneWAV(t, t.TempDir()))
	rc := b.tab(t, "rollcall")
	navigate(t, rc, m.staffBase+"/rollcall#token=staff-secret-e2e")
	waitFor(t, rc, "the roll call to go live", `#conn[data-state="connected"]`, 10*time.Second)

	ranchi := b.tab(t, "ranchi")
	navigate(t, ranchi, m.base+"/join/ranchi#token=ranchi-secret-e2e")
	click(t, ranchi, "#join")
	waitFor(t, ranchi, "Ranchi connected", `#conn[data-state="connected"]`, 15*time.Second)

	// Dumka's link lost its fragment: the page asks for the code.
	dumka := b.tab(t, "dumka")
	navigate(t, dumka, m.base+"/join/dumka")
	waitFor(t, dumka, "the code form", `#token-form:not([hidden])`, 5*time.Second)
	typeInto(t, dumka, "#token-input", "not-the-code")
	click(t, dumka, "#token-form button")
	waitFor(t, dumka, "the wrong code refused", `#conn[data-state="stopped"]`, 10*time.Second)
	waitFor(t, dumka, "the refusal explained", `#message:not([hidden])`, 2*time.Second)
	waitFor(t, dumka, "the code form again", `#token-form:not([hidden])`, 2*time.Second)
	if msg := eval(t, dumka, `document.getElementById('message').textContent`); !strings.Contains(msg, "room code is not right") {
		t.Errorf("message after a wrong code: %q", msg)
	}
	typeInto(t, dumka, "#token-input", "dumka-secret-e2e")
	click(t, dumka, "#token-form button")
	waitFor(t, dumka, "Dumka connected", `#conn[data-state="connected"]`, 15*time.Second)
	waitFor(t, dumka, "the error cleared", `#message[hidden]`, 2*time.Second)
	waitFor(t, rc, "two districts on the roll call", `#count[data-connected="2"]`, 10*time.Second)

	// Each hears the other: the track arrives with the room id as its
	// stream id and plays.
	waitFor(t, ranchi, "Ranchi lists Dumka", `#others li[data-room="dumka"] .badge-hear`, 15*time.Second)
	waitFor(t, dumka, "Dumka lists Ranchi", `#others li[data-room="ranchi"] .badge-hear`, 15*time.Second)
	time.Sleep(1500 * time.Millisecond)
	playing := eval(t, ranchi, `(() => { const a = document.querySelector('audio[data-room="dumka"]');
		return a ? String(!a.paused && a.currentTime > 0.5 && a.srcObject.id) : 'no player'; })()`)
	if playing != "dumka" {
		t.Errorf("Ranchi's player for Dumka: %s", playing)
	}

	// The network drops under both rooms (the roll call's own connection
	// comes through another door and stays).
	m.ln.cutAll()
	waitFor(t, rc, "Ranchi dropped on the roll call", tile("ranchi", `[data-conn="dropped"]`), 10*time.Second)
	waitFor(t, ranchi, "Ranchi back by itself", `#conn[data-state="connected"]`, 20*time.Second)
	if txt := eval(t, ranchi, `document.getElementById('conn').textContent`); !strings.Contains(txt, "Connected again at") {
		t.Errorf("after the drop the page says %q", txt)
	}
	waitFor(t, dumka, "Dumka back by itself", `#conn[data-state="connected"]`, 20*time.Second)
	waitFor(t, rc, "Ranchi connected again on the roll call", tile("ranchi", `[data-conn="connected"]`), 10*time.Second)
	waitFor(t, rc, "two districts again", `#count[data-connected="2"]`, 10*time.Second)
	waitFor(t, rc, "Ranchi's drop counted", tile("ranchi", ` .badge-drops`), 2*time.Second)
	waitFor(t, ranchi, "Ranchi hears Dumka again", `#others li[data-room="dumka"] .badge-hear`, 15*time.Second)
	waitFor(t, rc, "Ranchi speaking after the drop", tile("ranchi", `[data-state="speaking"]`), 15*time.Second)
	screenshot(t, ranchi, "join-reconnected.png")
	screenshot(t, rc, "rollcall-reconnected.png")

	click(t, ranchi, "#leave")
	click(t, dumka, "#leave")
	waitFor(t, rc, "both left", `#count[data-connected="0"]`, 10*time.Second)
	folder := m.stop(t)

	var seq []string
	for _, e := range roomEvents(t, folder, "ranchi") {
		switch e.Event {
		case recording.EventJoined, recording.EventDropped, recording.EventLeft:
			seq = append(seq, e.Event)
		}
	}
	if got := strings.Join(seq, ","); got != "joined,dropped,joined,left" {
		t.Errorf("Ranchi's presence in events.jsonl: %s", got)
	}
	m.checkNoTokens(t)
	b.checkURLs(t, m)
}
