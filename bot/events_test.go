package bot_test

import (
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/recording"
)

// TestSlowEventsDoNotStallTheAudio: writing events stalls for two seconds
// (a disk that takes that long to sync events.jsonl; here the OnEvent hook,
// which runs where the events are written) just as two rooms start to
// speak. Their audio must not wait for it: no gap in either file, and every
// event still written, in order.
func TestSlowEventsDoNotStallTheAudio(t *testing.T) {
	srv := startServer(t)
	var once sync.Once
	stalled := make(chan struct{})
	var mu sync.Mutex
	var seen []string
	b := bot.New(bot.Config{URL: srv.URL, Meeting: "test", Token: "rec-9f2c41", Dir: t.TempDir(), File: srv.File,
		Loopback: true, Logger: quiet(), OnEvent: func(e recording.Event) {
			if e.Event == recording.EventAudioStarted {
				once.Do(func() {
					close(stalled)
					time.Sleep(2 * time.Second)
				})
			}
			mu.Lock()
			seen = append(seen, e.Event)
			mu.Unlock()
		}})
	stop := meetingtest.RunBot(t, b)
	<-b.Ready()

	const total = 5 * time.Second
	speakers := toneSpeakers(t, total, map[string]float64{"ranchi": 660, "dumka": 880})
	t0 := time.Now().Add(time.Second)
	playAll(t, srv, speakers, t0)()
	select {
	case <-stalled:
	default:
		t.Fatal("no audio_started: the stall never happened")
	}
	time.Sleep(300 * time.Millisecond)
	folder := stop()
	checkUnbroken(t, folder, report(t, folder), speakers, t0, total)
	story := meetingtest.StoryOf(recordingtest.EventsSoFar(folder))
	for _, id := range []string{"ranchi", "dumka"} {
		story.Expect(t, id, "joined", "audio_started", "left")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[len(seen)-1] != recording.EventRecordingStopped {
		t.Errorf("OnEvent saw %v, want recording_stopped last", seen)
	}
}
