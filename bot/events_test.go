package bot_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/minutes"
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
	b := bot.New(bot.Config{URL: srv.url, Meeting: "test", Token: "rec-9f2c41", Dir: t.TempDir(), File: srv.file,
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
	var speakers []*speaker
	for id, hz := range map[string]float64{"ranchi": 660, "dumka": 880} {
		s := &speaker{id: id, bursts: []audiotest.Burst{{At: 0, Dur: total, Freq: hz, Amp: 0.4}}}
		s.packets, s.levels = script(t, total, s.bursts)
		speakers = append(speakers, s)
	}
	t0 := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for _, s := range speakers {
		p := s.join(t, srv)
		if p == nil {
			t.FailNow()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(t, srv, p, t0)
		}()
	}
	wg.Wait()
	select {
	case <-stalled:
	default:
		t.Fatal("no audio_started: the stall never happened")
	}
	time.Sleep(300 * time.Millisecond)
	folder := stop()
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range speakers {
		dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", s.id+".ogg"))
		if err != nil {
			t.Fatal(err)
		}
		from := audiotest.Samples(t0.Sub(man.StartedAt()) + 100*time.Millisecond)
		to := audiotest.Samples(t0.Add(total).Sub(man.StartedAt()) - 100*time.Millisecond)
		gaps := 0
		if from < 0 || to > len(dec.PCM) {
			t.Fatalf("%s: tone span %d..%d outside the file's %d samples", s.id, from, to, len(dec.PCM))
		}
		for i, rms := range audiotest.RMS(dec.PCM[from:to], 960) {
			if rms < 0.05 {
				if gaps == 0 {
					t.Errorf("%s: gap at %v into the tone (RMS %.3f)", s.id, audiotest.Duration(i*960), rms)
				}
				gaps++
			}
		}
	}
	story := meetingtest.StoryOf(readEvents(t, folder))
	for _, id := range []string{"ranchi", "dumka"} {
		story.Expect(t, id, "joined", "audio_started", "left")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[len(seen)-1] != recording.EventRecordingStopped {
		t.Errorf("OnEvent saw %v, want recording_stopped last", seen)
	}
}
