package bot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/minutes"
)

// TestDiskFull records a meeting onto a real file system that fills up for
// a few seconds: the log says so, the attendance log keeps working, the
// roll call's status counts the error, and once space returns the room's
// file has all its audio at its wall-clock place.
func TestDiskFull(t *testing.T) {
	dir := disktest.Tmpfs(t, "4m")

	srv := startServer(t)
	b := bot.New(bot.Config{URL: srv.URL, Meeting: "test", Token: "rec-9f2c41", Dir: filepath.Join(dir, "rec"), File: srv.File,
		Loopback: true, Logger: quiet()})
	stop := meetingtest.RunBot(t, b)
	<-b.Ready()

	bursts := []audiotest.Burst{
		{At: time.Second, Dur: 300 * time.Millisecond, Freq: 500, Amp: 0.5},
		{At: 4 * time.Second, Dur: 300 * time.Millisecond, Freq: 500, Amp: 0.5}, // while the disk is full
		{At: 8 * time.Second, Dur: 300 * time.Millisecond, Freq: 500, Amp: 0.5},
	}
	host := &speaker{id: "host", bursts: bursts}
	host.packets, host.levels = script(t, 9*time.Second, bursts)
	p := host.join(t, srv)
	if p == nil {
		t.FailNow()
	}
	t0 := time.Now().Add(500 * time.Millisecond)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		host.run(t, srv, p, t0)
	}()

	filler := filepath.Join(dir, "filler")
	time.Sleep(time.Until(t0.Add(2 * time.Second)))
	disktest.Fill(t, filler)
	time.Sleep(4 * time.Second)
	sawError := b.Status().WriteErrors > 0
	os.Remove(filler)
	<-sent
	time.Sleep(500 * time.Millisecond)
	folder := stop()
	if !sawError {
		t.Error("the roll call's status showed no write error while the disk was full")
	}
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	var story []string
	for _, e := range recordingtest.EventsSoFar(folder) {
		if e.Room == "host" {
			story = append(story, e.Event)
		}
	}
	s := strings.Join(story, " ")
	if !strings.Contains(s, "write_error") || !strings.Contains(s, "write_recovered") || !strings.Contains(s, "left") {
		t.Errorf("the log does not tell of the full disk and the recovery: %v", story)
	}
	checkBursts(t, folder, "host", t0, bursts)
}
