package bot_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

// When the test binary is started with SAMVAD_TEST_BOT_URL set, it is not a
// test run but a bot process, so that the tests can kill a real process.
func TestMain(m *testing.M) {
	if url := os.Getenv("SAMVAD_TEST_BOT_URL"); url != "" {
		os.Exit(runBotProcess(url, os.Getenv("SAMVAD_TEST_BOT_DIR")))
	}
	if url := os.Getenv("SAMVAD_TEST_ROOM_URL"); url != "" {
		t0, _ := strconv.ParseInt(os.Getenv("SAMVAD_TEST_ROOM_T0"), 10, 64)
		os.Exit(runRoomProcess(url, time.Unix(0, t0)))
	}
	// Every goroutine a bot, a room or a server starts must be gone when
	// the tests are.
	goleak.VerifyTestMain(m)
}

func runBotProcess(url, dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	b := bot.New(bot.Config{URL: url, Meeting: "test", Token: "rec-9f2c41", Dir: dir, Loopback: true, Logger: quiet()})
	folder, err := b.Run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		return 1
	}
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 1
	}
	return 0
}

// The room of the network-cut test runs in a network namespace of its
// own, in a child process of the test binary (see TestMain).
const (
	cutBefore = 6 * time.Second  // the cut starts this long after t0
	cutFor    = 20 * time.Second // and lasts this long
	roomTotal = cutBefore + cutFor + 10*time.Second
)

func cutBursts() []audiotest.Burst {
	b := func(at time.Duration) audiotest.Burst {
		return audiotest.Burst{At: at, Dur: 300 * time.Millisecond, Freq: 600, Amp: 0.5}
	}
	return []audiotest.Burst{b(time.Second), b(3 * time.Second), b(5 * time.Second),
		b(cutBefore + cutFor + 5*time.Second), b(cutBefore + cutFor + 8*time.Second)}
}

// runRoomProcess is the room: it joins, then sends its script on the wall
// clock from t0, through the cut, as a laptop whose network dropped would
// (the packets of the cut are lost on the way).
func runRoomProcess(url string, t0 time.Time) int {
	packets, levels, err := encodeScript(roomTotal, cutBursts())
	if err != nil {
		fmt.Fprintln(os.Stderr, "room:", err)
		return 1
	}
	// Like the join page, the room joins again whenever it loses the
	// meeting; the clock of its microphone runs on regardless.
	var p *participant.Participant
	join := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p, _ = participant.Join(ctx, participant.Config{
			URL: url, Mic: true, Logger: quiet(),
			Join: signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: "host", Token: "tok-host-x7"},
		}, participant.Handlers{})
	}
	join()
	if p == nil {
		fmt.Fprintln(os.Stderr, "room: cannot join")
		return 1
	}
	for k := range packets {
		time.Sleep(time.Until(t0.Add(time.Duration(k) * 20 * time.Millisecond)))
		if p != nil {
			select {
			case <-p.Done():
				fmt.Fprintf(os.Stderr, "room: lost the meeting at %v: %v\n", time.Since(t0).Round(time.Millisecond), p.Err())
				p.Close()
				p = nil
			default:
			}
		}
		if p == nil && k%25 == 0 {
			join()
		}
		if p != nil {
			p.Mic().Send(packets[k], 960, levels[k])
		}
	}
	if p != nil {
		p.Leave()
	}
	return 0
}

func startBotProcess(t *testing.T, url, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SAMVAD_TEST_BOT_URL="+url, "SAMVAD_TEST_BOT_DIR="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// restartableServer is a meeting server that can be stopped and started
// again on the same address, as IT staff restarting it would.
type restartableServer struct {
	t    *testing.T
	file *meeting.File
	addr string
	url  string
	stop func()
}

func newRestartableServer(t *testing.T) *restartableServer {
	f, err := meeting.Parse("test.yaml", []byte(meetingYAML))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &restartableServer{t: t, file: f, addr: addr, url: "ws://" + addr + "/ws"}
	t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
	})
	return s
}

func (s *restartableServer) start() {
	s.t.Helper()
	r, err := relay.New(relay.Config{LoopbackOnly: true}, relay.WithLogger(quiet()))
	if err != nil {
		s.t.Fatal(err)
	}
	sig := signaling.New(s.file, signaling.WithRelay(r), signaling.WithLogger(quiet()))
	var ln net.Listener
	for range 50 { // the old socket may linger a moment
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	hs := &http.Server{Handler: sig.Handler()}
	go hs.Serve(ln)
	s.stop = func() {
		sig.Close()
		hs.Close()
		r.Close()
		s.stop = nil
	}
}

// steadySpeaker keeps a room in the meeting, rejoining whenever it loses
// the server, and sends its script on the wall clock from t0.
type steadySpeaker struct {
	speaker
	url  string
	stop chan struct{}
	wg   sync.WaitGroup
}

func (s *steadySpeaker) run(t *testing.T, t0 time.Time) {
	s.stop = make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var p *participant.Participant
		defer func() {
			if p != nil {
				p.Close()
			}
		}()
		for k := 0; ; k++ {
			select {
			case <-s.stop:
				return
			case <-time.After(time.Until(t0.Add(time.Duration(k) * 20 * time.Millisecond))):
			}
			if p != nil {
				select {
				case <-p.Done():
					p.Close()
					p = nil
				default:
				}
			}
			if p == nil && k%25 == 0 { // try to (re)join twice a second
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				no := false
				p, _ = participant.Join(ctx, participant.Config{
					URL: s.url, Mic: true, Loopback: true, Logger: quiet(),
					Join: signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: s.id, Token: "tok-" + s.id + "-x7", Receive: &no},
				}, participant.Handlers{})
				cancel()
			}
			if p != nil && k < len(s.packets) {
				p.Mic().Send(s.packets[k], 960, s.levels[k])
			}
		}
	}()
}

func (s *steadySpeaker) halt() {
	close(s.stop)
	s.wg.Wait()
}

func onlyFolder(t *testing.T, dir string) string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		return ""
	}
	return filepath.Join(dir, entries[0].Name())
}

// checkBursts finds each wanted burst in the room's stitched file at its
// wall-clock offset from the recording's start, ±20 ms.
func checkBursts(t *testing.T, folder, room string, t0 time.Time, bursts []audiotest.Burst) {
	t.Helper()
	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", room+".ogg"))
	if err != nil {
		t.Fatal(err)
	}
	onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
	for _, b := range bursts {
		want := t0.Add(b.At).Sub(man.StartedAt())
		if _, _, ok := audiotest.Nearest(onsets, want, 20*time.Millisecond); !ok {
			t.Errorf("%s: no burst within ±20 ms of %v; found %v", room, want, onsets)
		}
	}
}

func TestBotKilledAndRestarted(t *testing.T) {
	srv := newRestartableServer(t)
	srv.start()
	dir := t.TempDir()

	bursts := []audiotest.Burst{
		{At: 1500 * time.Millisecond, Dur: 300 * time.Millisecond, Freq: 500, Amp: 0.5},
		{At: 7000 * time.Millisecond, Dur: 300 * time.Millisecond, Freq: 500, Amp: 0.5},
	}
	host := &steadySpeaker{speaker: speaker{id: "host", bursts: bursts}, url: srv.url}
	host.packets, host.levels = script(t, 9*time.Second, bursts)

	bot1 := startBotProcess(t, srv.url, dir)
	var folder string
	meetingtest.WaitUntil(t, "the bot opens its folder", 10*time.Second, func() bool { folder = onlyFolder(t, dir); return folder != "" })
	t0 := time.Now().Add(200 * time.Millisecond)
	host.run(t, t0)
	defer host.halt()
	seg1 := filepath.Join(folder, "segments", "host", "0001.ogg")
	meetingtest.WaitUntil(t, "a segment is being written", 10*time.Second, func() bool {
		st, err := os.Stat(seg1)
		return err == nil && st.Size() > 4000
	})
	time.Sleep(time.Until(t0.Add(3500 * time.Millisecond)))
	killedAt := time.Now()
	bot1.Process.Signal(syscall.SIGKILL)
	bot1.Wait()

	// What the killed bot left plays up to the last second before the kill.
	var segStart time.Time
	for _, e := range recordingtest.EventsSoFar(folder) {
		if e.Event == recording.EventSegmentOpened && e.Room == "host" {
			segStart = e.At
		}
	}
	dec, err := audiotest.DecodeOggFile(seg1)
	if err != nil {
		t.Fatalf("segment left by the killed bot: %v", err)
	}
	if got, want := audiotest.Duration(len(dec.PCM)), killedAt.Sub(segStart)-time.Second; got < want {
		t.Errorf("killed bot's segment plays %v, want at least %v (up to the last second before the kill)", got, want)
	}
	before := sha256File(t, seg1)

	// A bot started again continues the same folder in new segments.
	bot2 := startBotProcess(t, srv.url, dir)
	seg2 := filepath.Join(folder, "segments", "host", "0002.ogg")
	meetingtest.WaitUntil(t, "the restarted bot writes a new segment", 15*time.Second, func() bool {
		_, err := os.Stat(seg2)
		return err == nil
	})
	time.Sleep(time.Until(t0.Add(8500 * time.Millisecond)))
	bot2.Process.Signal(syscall.SIGTERM)
	if err := bot2.Wait(); err != nil {
		t.Fatalf("restarted bot: %v", err)
	}
	if after := sha256File(t, seg1); after != before {
		t.Error("the restarted bot changed the killed bot's segment")
	}
	if got := onlyFolder(t, dir); got != folder {
		t.Errorf("restart made a new folder %q", got)
	}
	reasons := []string{}
	for _, e := range recordingtest.EventsSoFar(folder) {
		if e.Event == recording.EventBotReconnected {
			reasons = append(reasons, e.Reason)
		}
	}
	if len(reasons) != 1 || reasons[0] != "restarted" {
		t.Errorf("bot_reconnected reasons %v, want [restarted]", reasons)
	}
	checkBursts(t, folder, "host", t0, bursts)
}

func TestBotSurvivesServerRestartAndStartsFirst(t *testing.T) {
	srv := newRestartableServer(t)
	dir := t.TempDir()
	b := bot.New(bot.Config{URL: srv.url, Meeting: "test", Token: "rec-9f2c41", Dir: dir, Loopback: true, Logger: quiet()})
	stop := meetingtest.RunBot(t, b)

	// The bot is up before the server: it keeps trying.
	time.Sleep(1500 * time.Millisecond)
	if onlyFolder(t, dir) != "" {
		t.Fatal("the bot made a folder without a meeting")
	}
	srv.start()
	select {
	case <-b.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the bot did not join within 5 s of the server starting")
	}

	bursts := []audiotest.Burst{
		{At: 1000 * time.Millisecond, Dur: 300 * time.Millisecond, Freq: 700, Amp: 0.5},
		{At: 6000 * time.Millisecond, Dur: 300 * time.Millisecond, Freq: 700, Amp: 0.5},
	}
	host := &steadySpeaker{speaker: speaker{id: "host", bursts: bursts}, url: srv.url}
	host.packets, host.levels = script(t, 8*time.Second, bursts)
	t0 := time.Now().Add(200 * time.Millisecond)
	host.run(t, t0)

	// The server is restarted under everyone at 2.5 s and is back at 3.5 s.
	time.Sleep(time.Until(t0.Add(2500 * time.Millisecond)))
	srv.stop()
	time.Sleep(time.Second)
	srv.start()
	time.Sleep(time.Until(t0.Add(7500 * time.Millisecond)))
	host.halt()
	folder := stop()

	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	var story []string
	for _, e := range recordingtest.EventsSoFar(folder) {
		if e.Room == "" || e.Room == "host" {
			story = append(story, e.Event)
		}
	}
	joined := strings.Join(story, " ")
	for _, want := range []string{"recording_started", "bot_disconnected", "bot_reconnected", "recording_stopped"} {
		if !strings.Contains(joined, want) {
			t.Errorf("story %v lacks %s", story, want)
		}
	}
	if segs, _ := filepath.Glob(filepath.Join(folder, "segments", "host", "*.ogg")); len(segs) < 2 {
		t.Errorf("host has segments %v: want one before and one after the restart", segs)
	}
	checkBursts(t, folder, "host", t0, bursts)
}

func sha256File(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}
