//go:build e2e

package web_test

// The same pages in Firefox, driven over WebDriver BiDi, the protocol
// Firefox speaks natively (no geckodriver): a minimal client over the
// websocket the browser opens with --remote-debugging-port. Firefox's fake
// media (media.navigator.streams.fake) stands in for the microphone. The
// test runs when firefox-esr or firefox is installed (Debian: apt-get
// install firefox-esr; SAMVAD_FIREFOX names another binary) and is skipped
// otherwise: Chromium is the browser CI always has.

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// firefoxPrefs: fake media without a prompt, loopback ICE, autoplay, and
// nothing that reaches outside this machine (every request that is not to
// 127.0.0.1 goes to a proxy at the discard port and fails at once).
const firefoxPrefs = `
user_pref("media.navigator.streams.fake", true);
user_pref("media.navigator.permission.disabled", true);
user_pref("media.autoplay.default", 0);
user_pref("media.autoplay.block-webaudio", false);
user_pref("media.peerconnection.ice.loopback", true);
user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);
user_pref("network.proxy.type", 1);
user_pref("network.proxy.http", "127.0.0.1");
user_pref("network.proxy.http_port", 9);
user_pref("network.proxy.ssl", "127.0.0.1");
user_pref("network.proxy.ssl_port", 9);
user_pref("network.proxy.no_proxies_on", "127.0.0.1");
user_pref("network.proxy.allow_hijacking_localhost", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.trr.mode", 5);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("app.update.disabledForTesting", true);
user_pref("app.normandy.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.blockedURIs.enabled", false);
user_pref("browser.safebrowsing.provider.mozilla.updateURL", "");
user_pref("browser.aboutHomeSnippets.updateUrl", "");
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.startup.homepage", "about:blank");
user_pref("browser.startup.page", 0);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.server", "");
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("remote.prefs.recommended", true);
`

// bidi is a minimal WebDriver BiDi client: commands by id, and the log
// entries it subscribes to.
type bidi struct {
	t       *testing.T
	ws      *websocket.Conn
	mu      sync.Mutex
	next    int
	waiting map[int]chan json.RawMessage
	errs    map[int]string
}

func startFirefox(t *testing.T) *bidi {
	t.Helper()
	ff := os.Getenv("SAMVAD_FIREFOX")
	if ff == "" {
		for _, name := range []string{"firefox-esr", "firefox"} {
			if p, err := exec.LookPath(name); err == nil {
				ff = p
				break
			}
		}
	}
	if ff == "" {
		t.Skip("no Firefox installed (apt-get install firefox-esr)")
	}
	profile := t.TempDir()
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(firefoxPrefs), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ff, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port", "0", "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start firefox: %v", err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("firefox did not open WebDriver BiDi")
	}
	ws, _, err := websocket.DefaultDialer.Dial(url+"/session", nil)
	if err != nil {
		t.Fatalf("connect to firefox: %v", err)
	}
	b := &bidi{t: t, ws: ws, waiting: map[int]chan json.RawMessage{}, errs: map[int]string{}}
	t.Cleanup(func() { ws.Close() })
	go b.read()
	b.call("session.new", map[string]any{"capabilities": map[string]any{}})
	b.call("session.subscribe", map[string]any{"events": []string{"log.entryAdded"}})
	return b
}

func (b *bidi) read() {
	for {
		_, data, err := b.ws.ReadMessage()
		if err != nil {
			return
		}
		var msg struct {
			ID      *int            `json:"id"`
			Type    string          `json:"type"`
			Method  string          `json:"method"`
			Result  json.RawMessage `json:"result"`
			Error   string          `json:"error"`
			Message string          `json:"message"`
			Params  json.RawMessage `json:"params"`
		}
		if json.Unmarshal(data, &msg) != nil {
			continue
		}
		if msg.ID != nil {
			b.mu.Lock()
			ch := b.waiting[*msg.ID]
			if msg.Error != "" {
				b.errs[*msg.ID] = msg.Error + ": " + msg.Message
			}
			b.mu.Unlock()
			if ch != nil {
				ch <- msg.Result
			}
			continue
		}
		if msg.Method == "log.entryAdded" {
			var e struct {
				Level string `json:"level"`
				Text  string `json:"text"`
				Type  string `json:"type"`
			}
			json.Unmarshal(msg.Params, &e)
			b.t.Logf("firefox console %s: %s", e.Level, e.Text)
			if e.Level == "error" {
				b.t.Errorf("firefox console error: %s", e.Text)
			}
		}
	}
}

func (b *bidi) call(method string, params any) json.RawMessage {
	b.t.Helper()
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan json.RawMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	data, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	b.mu.Lock()
	err := b.ws.WriteMessage(websocket.TextMessage, data)
	b.mu.Unlock()
	if err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	select {
	case res := <-ch:
		b.mu.Lock()
		e := b.errs[id]
		b.mu.Unlock()
		if e != "" {
			b.t.Fatalf("%s: %s", method, e)
		}
		return res
	case <-time.After(30 * time.Second):
		b.t.Fatalf("%s: no answer from firefox", method)
		return nil
	}
}

// newTab opens a tab and returns its browsing context.
func (b *bidi) newTab() string {
	var res struct{ Context string }
	json.Unmarshal(b.call("browsingContext.create", map[string]any{"type": "tab"}), &res)
	return res.Context
}

func (b *bidi) navigate(tab, url string) {
	b.call("browsingContext.navigate", map[string]any{"context": tab, "url": url, "wait": "complete"})
}

// eval runs js in tab as a user action (so a click there counts as the
// gesture browsers want before they play sound) and returns its string.
func (b *bidi) eval(tab, js string) string {
	b.t.Helper()
	var res struct {
		Type   string `json:"type"`
		Result struct {
			Type  string `json:"type"`
			Value any    `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	json.Unmarshal(b.call("script.evaluate", map[string]any{
		"expression": js, "target": map[string]any{"context": tab}, "awaitPromise": true, "userActivation": true,
	}), &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("%s: %s", js, res.ExceptionDetails.Text)
	}
	return fmt.Sprint(res.Result.Value)
}

// waitJS polls a boolean expression until it holds.
func (b *bidi) waitJS(tab, what, cond string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if b.eval(tab, "String(!!("+cond+"))") == "true" {
			b.t.Logf("%s %s", time.Now().Format("15:04:05.000"), what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s (%s)\npage text:\n%s", what, cond, b.eval(tab, "document.body.innerText"))
}

func (b *bidi) screenshot(tab, name string) {
	var res struct{ Data string }
	json.Unmarshal(b.call("browsingContext.captureScreenshot", map[string]any{"context": tab, "origin": "document"}), &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.t.TempDir(), name)
	os.WriteFile(path, png, 0o644)
	if dir := os.Getenv("SAMVAD_E2E_SHOTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
	b.t.Logf("screenshot: %s", path)
}

func q(sel string) string { return "document.querySelector(" + jsString(sel) + ")" }

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestE2EFirefoxJoinMuteLeave(t *testing.T) {
	ff := startFirefox(t)
	m := startMeeting(t)
	var tree struct {
		Contexts []struct{ Context string }
	}
	json.Unmarshal(ff.call("browsingContext.getTree", map[string]any{}), &tree)
	rc := tree.Contexts[0].Context
	ff.navigate(rc, m.staffBase+"/rollcall#token=staff-secret-e2e")
	ff.waitJS(rc, "the roll call live", q(`#conn[data-state="connected"]`), 10*time.Second)
	if href := ff.eval(rc, "location.href"); strings.Contains(href, "token") {
		t.Errorf("token left in the address bar: %s", href)
	}

	jp := ff.newTab()
	ff.navigate(jp, m.base+"/join/ranchi#token=ranchi-secret-e2e")
	ff.eval(jp, `document.getElementById('join').click(), ''`)
	ff.waitJS(jp, "the join page connected", q(`#conn[data-state="connected"]`), 15*time.Second)
	ff.waitJS(jp, "the recording banner", q(`#recording.banner-rec`), 5*time.Second)
	ff.waitJS(rc, "Ranchi connected on the roll call", q(`li.tile[data-room="ranchi"][data-conn="connected"]`), 10*time.Second)
	folder := m.bot.Folder()
	waitEvent(t, folder, "ranchi", recording.EventAudioStarted, 15*time.Second)
	// The level meter is not checked here: Firefox runs an AudioContext
	// only with a sound output device, which a headless container lacks
	// (Chromium runs it without one, and its test checks the meter).
	time.Sleep(3 * time.Second)

	ff.eval(jp, `document.getElementById('mute').click(), ''`)
	ff.waitJS(rc, "Ranchi muted on the roll call", q(`li.tile[data-room="ranchi"][data-state="muted"]`), 5*time.Second)
	time.Sleep(3 * time.Second)
	ff.eval(jp, `document.getElementById('mute').click(), ''`)
	ff.waitJS(rc, "Ranchi unmuted", q(`li.tile[data-room="ranchi"]:not([data-state="muted"])`), 5*time.Second)
	time.Sleep(3 * time.Second)
	ff.screenshot(jp, "firefox-join.png")
	ff.screenshot(rc, "firefox-rollcall.png")

	ff.eval(jp, `document.getElementById('leave').click(), ''`)
	ff.waitJS(rc, "Ranchi left on the roll call", q(`li.tile[data-room="ranchi"][data-conn="left"]`), 5*time.Second)
	m.stop(t)
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	events := roomEvents(t, folder, "ranchi")
	first := eventAt(t, events, recording.EventAudioStarted, 0)
	muted := eventAt(t, events, recording.EventMuted, 0)
	unmuted := eventAt(t, events, recording.EventUnmuted, 0)
	left := eventAt(t, events, recording.EventLeft, 0)
	dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", "ranchi.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	// Firefox's fake microphone is a tone of its own choosing: check that
	// there is sound where the page spoke and none where it was muted.
	speak, f1 := level(dec.PCM, first+500*time.Millisecond, muted-300*time.Millisecond)
	quiet, _ := level(dec.PCM, muted+600*time.Millisecond, unmuted-300*time.Millisecond)
	again, f2 := level(dec.PCM, unmuted+800*time.Millisecond, left-300*time.Millisecond)
	t.Logf("speaking rms %.4f (%.0f Hz), muted rms %.4f, speaking again rms %.4f (%.0f Hz)", speak, f1, quiet, again, f2)
	if speak < 0.01 || again < 0.01 || quiet > 0.003 || math.IsNaN(speak) {
		t.Errorf("Firefox's audio in the recording: speaking %.4f, muted %.4f, again %.4f", speak, quiet, again)
	}
	m.checkNoTokens(t)
}
