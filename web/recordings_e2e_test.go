//go:build e2e

package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/samvad/samvad/archive"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/web"
)

const recordingsYAML = `
meeting: {id: jmm-2023-11-21, title: "Online samvad", title_hi: "ऑनलाइन संवाद", starts_at: 2023-11-21T14:00:00+05:30, demo: true}
recording: {dir: %q}
recorder_token: {plain: rec-secret-e2e}
staff_token: {plain: staff-secret-e2e}
secretary_token: {plain: secretary-secret-e2e}
rooms:
  - {id: ranchi, kind: district, name: Ranchi, name_hi: रांची, token: {plain: ranchi-secret-e2e}}
`

// served is one request the server answered.
type served struct {
	path, rng string
	status    int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}

// TestE2ERecordingsPage: a secretary opens the recordings page from her
// link in Chromium, sees the meeting listed in both languages, opens its
// minutes (whose own player loads the mix), and plays the mix on the page
// with a seek, which the browser fetches with a range request. No token is
// in any URL the browser asked for, nor in the server's log.
func TestE2ERecordingsPage(t *testing.T) {
	dir := t.TempDir()
	folder := recordingtest.Finished(t, dir)
	id := filepath.Base(folder)
	f, err := meeting.Parse("recordings.yaml", []byte(fmt.Sprintf(recordingsYAML, dir)))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	web.New(f).Register(mux)
	archive.New(f, archive.WithLogger(log)).Register(mux)
	var mu sync.Mutex
	var reqs []served
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(sw, r)
		mu.Lock()
		reqs = append(reqs, served{path: r.URL.String(), rng: r.Header.Get("Range"), status: sw.status})
		mu.Unlock()
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	// Closed after the browser (cleanups run last first): the player may
	// still be fetching a range when the test ends, and a server gone
	// before the tab is a refused connection in its console.
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()

	b := startBrowser(t, toneWAV(t, t.TempDir()))
	tab := b.tab(t, "recordings")
	navigate(t, tab, base+"/recordings#token=secretary-secret-e2e")
	card := `li.rec[data-id="` + id + `"]`
	waitFor(t, tab, "the recording listed", card+` audio.rec-player`, 20*time.Second)
	text := eval(t, tab, `document.querySelector('`+card+`').innerText`)
	for _, want := range []string{"Online samvad with district committees", "जिला समितियों के साथ ऑनलाइन संवाद", "2 of 3 rooms attended",
		"3 में से 2 कक्ष उपस्थित", "Finished", "पूर्ण", "Minutes", "कार्यवृत्त", "Whole folder (zip)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the card lacks %q:\n%s", want, text)
		}
	}
	if u := eval(t, tab, `location.href`); strings.Contains(u, "secret") {
		t.Errorf("the token stays in the address bar: %s", u)
	}
	if zip := eval(t, tab, `document.querySelector('`+card+` a.rec-zip').getAttribute('href')`); zip != "/recordings/"+id+".zip" {
		t.Errorf("zip link %q", zip)
	}
	screenshot(t, tab, "recordings.png")

	// The minutes open in a new tab; their player loads the mix with the
	// pass the page got. (The test reads the new tab's address and looks
	// at the page in a tab of its own, in the same browser and so with the
	// same pass: chromedp cannot evaluate in a tab the page opened.)
	var minutesURL string
	var urlMu sync.Mutex
	opened := chromedp.WaitNewTarget(tab, func(info *target.Info) bool {
		if !strings.HasSuffix(info.URL, "/minutes.html") {
			return false
		}
		urlMu.Lock()
		minutesURL = info.URL
		urlMu.Unlock()
		return true
	})
	click(t, tab, card+` a.rec-minutes`)
	var openedID target.ID
	select {
	case openedID = <-opened:
	case <-time.After(20 * time.Second):
		t.Fatal("the minutes did not open")
	}
	// The new tab hides the list's (and Chromium defers the media of a
	// hidden tab): close it, as a secretary would, and come back.
	if _, err := chromedp.CallBrowser(tab, target.CloseTarget, target.CloseTargetParams{TargetID: openedID}); err != nil {
		t.Fatal(err)
	}
	urlMu.Lock()
	if minutesURL != base+"/recordings/"+id+"/minutes.html" {
		t.Errorf("the minutes opened at %s", minutesURL)
	}
	urlMu.Unlock()
	minutesTab := b.tab(t, "minutes")
	navigate(t, minutesTab, base+"/recordings/"+id+"/minutes.html")
	waitFor(t, minutesTab, "the minutes page", `#player`, 20*time.Second)
	if title := eval(t, minutesTab, `document.title`); !strings.Contains(title, "Online samvad with district committees") {
		t.Errorf("minutes title %q", title)
	}
	c, stop := context.WithTimeout(minutesTab, 20*time.Second)
	dur, err := chromedp.Run(c, chromedp.Evaluate[float64](`new Promise((resolve, reject) => {
		const p = document.getElementById('player');
		if (p.readyState >= 1) return resolve(p.duration);
		p.addEventListener('loadedmetadata', () => resolve(p.duration), {once: true});
		p.addEventListener('error', () => reject(new Error('player error ' + (p.error && p.error.code))), {once: true});
		p.preload = 'metadata'; p.load();
	})`, chromedp.EvalAwaitPromise))
	stop()
	if err != nil || dur < recordingtest.Length.Seconds()-0.5 || dur > recordingtest.Length.Seconds()+0.5 {
		t.Errorf("the minutes' player: duration %v (%v), want %v", dur, err, recordingtest.Length)
	}

	// Play the whole meeting on the recordings page, and seek into
	// Dumka's second turn.
	if _, err := chromedp.Call(tab, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	c, stop = context.WithTimeout(tab, 30*time.Second)
	pos, err := chromedp.Run(c, chromedp.Evaluate[float64](`new Promise((resolve, reject) => {
		const a = document.querySelector('`+card+` audio.rec-player');
		a.muted = true;
		a.addEventListener('error', () => reject(new Error('player error ' + (a.error && a.error.code))), {once: true});
		a.addEventListener('seeked', () => setTimeout(() => resolve(a.currentTime), 300), {once: true});
		a.play().then(() => { a.currentTime = 13.2; }, reject);
	})`, chromedp.EvalAwaitPromise))
	stop()
	if err != nil || pos < 13.2 || pos > 15 {
		t.Errorf("after seeking to 13.2 s the mix plays at %v s (%v)", pos, err)
	}
	paused := eval(t, tab, `String(document.querySelector('`+card+` audio.rec-player').paused)`)
	if paused != "false" {
		t.Errorf("the mix is not playing after the seek")
	}

	// A room's file in the same player.
	click(t, tab, card+` details.rec-rooms-list summary`)
	click(t, tab, card+` button.rec-play[data-path="rooms/dumka.ogg"]`)
	c, stop = context.WithTimeout(tab, 20*time.Second)
	src, err := chromedp.Run(c, chromedp.Evaluate[string](`new Promise((resolve) => {
		const a = document.querySelector('`+card+` audio.rec-player');
		const done = () => resolve(a.currentSrc);
		if (!a.paused && a.currentSrc.endsWith('dumka.ogg')) return done();
		a.addEventListener('playing', done, {once: true});
	})`, chromedp.EvalAwaitPromise))
	stop()
	if err != nil || !strings.HasSuffix(src, "/recordings/"+id+"/rooms/dumka.ogg") {
		t.Errorf("playing a room: %q (%v)", src, err)
	}

	mu.Lock()
	defer mu.Unlock()
	var seekRange, apiCalls bool
	for _, r := range reqs {
		if strings.Contains(r.path, "secret") {
			t.Errorf("a token in a URL: %s", r.path)
		}
		// The player asks for ranges (a file this small comes whole with
		// the first, so the seek needs no second one).
		if r.path == "/recordings/"+id+"/mix.ogg" && r.status == http.StatusPartialContent && strings.HasPrefix(r.rng, "bytes=") {
			seekRange = true
		}
		if r.path == "/api/recordings" && r.status == http.StatusOK {
			apiCalls = true
		}
		if strings.HasPrefix(r.path, "/recordings/") && r.status == http.StatusUnauthorized {
			t.Errorf("the browser was refused %s", r.path)
		}
	}
	if !seekRange || !apiCalls {
		t.Errorf("no range request into mix.ogg (%v) or no API call (%v):\n%+v", seekRange, apiCalls, reqs)
	}
	for _, s := range []string{"secretary-secret-e2e", "staff-secret-e2e"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("a token is in the server's log")
		}
	}
	b.mu.Lock()
	for _, u := range b.urls {
		if strings.Contains(strings.SplitN(u, "#", 2)[0], "secret") || !(strings.HasPrefix(u, base+"/") || strings.HasPrefix(u, "data:")) {
			t.Errorf("the browser asked for %s", u)
		}
	}
	b.mu.Unlock()
}

// TestE2ERecordingsWrongCode: a room's code does not open the page; the
// page says so in both languages and asks for a code.
func TestE2ERecordingsWrongCode(t *testing.T) {
	dir := t.TempDir()
	recordingtest.Finished(t, dir)
	f, err := meeting.Parse("recordings.yaml", []byte(fmt.Sprintf(recordingsYAML, dir)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	web.New(f).Register(mux)
	archive.New(f).Register(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() }) // after the browser, as above
	b := startBrowser(t, toneWAV(t, t.TempDir()))
	// Not b.tab, which fails the test on a console error: the browser logs
	// the refused API call as a failed load, which is what this test wants.
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	if err := chromedp.Do(tab); err != nil { // opens the tab, for as long as tab lasts
		t.Fatal(err)
	}
	navigate(t, tab, "http://"+ln.Addr().String()+"/recordings#token=ranchi-secret-e2e")
	waitFor(t, tab, "the code form", `#token-form:not([hidden])`, 20*time.Second)
	msg := eval(t, tab, `document.getElementById('message').innerText`)
	if !strings.Contains(msg, "staff or secretary code") || !strings.Contains(msg, "सचिव") {
		t.Errorf("message %q", msg)
	}
	if n := eval(t, tab, `String(document.querySelectorAll('li.rec').length)`); n != "0" {
		t.Errorf("%s recordings shown for a room's code", n)
	}
}
