package bot_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// toneSpeakers are rooms that each send an unbroken tone for total.
func toneSpeakers(t *testing.T, total time.Duration, tones map[string]float64) []*speaker {
	var speakers []*speaker
	for id, hz := range tones {
		s := &speaker{id: id, bursts: []audiotest.Burst{{At: 0, Dur: total, Freq: hz, Amp: 0.4}}}
		s.packets, s.levels = script(t, total, s.bursts)
		speakers = append(speakers, s)
	}
	return speakers
}

// playAll joins the speakers and starts each sending from t0; wait waits
// until all have sent their script and left.
func playAll(t *testing.T, srv *meetingtest.Server, speakers []*speaker, t0 time.Time) (wait func()) {
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
	return wg.Wait
}

// report builds the minutes of a finished folder and returns its manifest.
func report(t *testing.T, folder string) *recording.Manifest {
	t.Helper()
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	return man
}

// checkUnbroken requires every 20 ms of each tone speaker's tone, from t0
// to t0+total (less 100 ms at either end), in its room file, and returns
// how many 20 ms windows were silent per room.
func checkUnbroken(t *testing.T, folder string, man *recording.Manifest, speakers []*speaker, t0 time.Time, total time.Duration) map[string]int {
	t.Helper()
	gaps := map[string]int{}
	for _, s := range speakers {
		dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", s.id+".ogg"))
		if err != nil {
			t.Fatal(err)
		}
		from := audiotest.Samples(t0.Sub(man.StartedAt()) + 100*time.Millisecond)
		to := audiotest.Samples(t0.Add(total).Sub(man.StartedAt()) - 100*time.Millisecond)
		if from < 0 || to > len(dec.PCM) {
			t.Fatalf("%s: tone span %d..%d outside the file's %d samples", s.id, from, to, len(dec.PCM))
		}
		for i, rms := range audiotest.RMS(dec.PCM[from:to], 960) {
			if rms < 0.05 {
				if gaps[s.id] == 0 {
					t.Errorf("%s: gap at %v into the tone (RMS %.3f)", s.id, audiotest.Duration(i*960), rms)
				}
				gaps[s.id]++
			}
		}
	}
	return gaps
}
