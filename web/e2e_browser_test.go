//go:build e2e

// The browser the end-to-end tests drive (see e2e_test.go): headless
// Chromium with a fake microphone, its tabs, and the checks on what it
// asked for.

package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

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

func typeInto(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		t.Fatalf("type into %s: %v", sel, err)
	}
}
