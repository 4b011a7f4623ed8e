//go:build e2e

package bot_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestNetworkCut cuts a room's network for 20 s in the middle of the
// meeting (a real link down, between two network namespaces) and restores
// it: the recording must hold the room's audio before and after, at its
// wall-clock place, with silence for the cut, and the log must say what
// happened. After 20 s without a packet TCP retransmits slowly, so the
// room's websocket may time out just after the link is back: the room then
// joins again, as the join page does.
func TestNetworkCut(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	ns := fmt.Sprintf("samvadcut%d", os.Getpid())
	hostIf, roomIf := fmt.Sprintf("svc%da", os.Getpid()%100000), fmt.Sprintf("svc%db", os.Getpid()%100000)
	subnet := fmt.Sprintf("10.77.%d", os.Getpid()%250)
	if err := exec.Command("ip", "netns", "add", ns).Run(); err != nil {
		t.Skipf("cannot make a network namespace here: %v", err)
	}
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", hostIf).Run()
		exec.Command("ip", "netns", "del", ns).Run()
	})
	run(t, "ip", "link", "add", hostIf, "type", "veth", "peer", "name", roomIf)
	run(t, "ip", "link", "set", roomIf, "netns", ns)
	run(t, "ip", "addr", "add", subnet+".1/24", "dev", hostIf)
	run(t, "ip", "link", "set", hostIf, "up")
	run(t, "ip", "netns", "exec", ns, "ip", "addr", "add", subnet+".2/24", "dev", roomIf)
	run(t, "ip", "netns", "exec", ns, "ip", "link", "set", roomIf, "up")
	run(t, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")

	// The meeting server on the host side of the link.
	f, err := meeting.Parse("test.yaml", []byte(meetingYAML))
	if err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(relay.Config{Loopback: true}, relay.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sig := signaling.New(f, signaling.WithRelay(r), signaling.WithLogger(quiet()))
	defer sig.Close()
	ln, err := net.Listen("tcp", subnet+".1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: sig.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	url := "ws://" + ln.Addr().String() + "/ws"

	dir := t.TempDir()
	b := bot.New(bot.Config{URL: url, Meeting: "test", Token: "rec-9f2c41", Dir: dir, File: f, Loopback: true, Logger: quiet()})
	stop := meetingtest.RunBot(t, b)
	<-b.Ready()

	// Time for the room's process to start, encode its script and join.
	t0 := time.Now().Add(8 * time.Second)
	room := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^$")
	room.Env = append(os.Environ(), "SAMVAD_TEST_ROOM_URL="+url, "SAMVAD_TEST_ROOM_T0="+strconv.FormatInt(t0.UnixNano(), 10))
	room.Stderr = os.Stderr
	if err := room.Start(); err != nil {
		t.Fatal(err)
	}
	defer room.Process.Kill()

	time.Sleep(time.Until(t0.Add(cutBefore)))
	run(t, "ip", "link", "set", hostIf, "down")
	time.Sleep(cutFor)
	run(t, "ip", "link", "set", hostIf, "up")
	if err := room.Wait(); err != nil {
		t.Fatalf("room process: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	folder := stop()
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}

	checkBursts(t, folder, "host", t0, cutBursts())
	m, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	man := m.StartedAt()
	dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", "host.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	from := audiotest.Samples(t0.Add(cutBefore + time.Second).Sub(man))
	to := audiotest.Samples(t0.Add(cutBefore + cutFor - time.Second).Sub(man))
	for i, rms := range audiotest.RMS(dec.PCM[from:to], 960) {
		if rms > 0.01 {
			t.Errorf("sound during the cut, %v into it", audiotest.Duration(i*960)+time.Second)
			break
		}
	}
	var story []string
	for _, e := range recordingtest.EventsSoFar(folder) {
		if e.Room == "host" {
			story = append(story, e.Event+"/"+e.Reason)
		}
	}
	s := strings.Join(story, " ")
	if !strings.Contains(s, "audio_stopped/") || !strings.Contains(s, "audio_started") {
		t.Errorf("the log does not tell of the cut: %v", story)
	}
	t.Logf("host's story: %v", story)
	for _, e := range recordingtest.EventsSoFar(folder) {
		if e.Event == "segment_closed" || e.Event == "segment_opened" {
			t.Logf("%s at %v: %s %s", e.Event, e.At.Sub(t0), e.Segment, e.Stats)
		}
	}
}
