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
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

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
