package minutes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// TestReportOnDamagedInput: a segment cut off mid-page, a segment with a
// corrupt page in the middle and a half-written last line of events.jsonl.
// The report recovers everything readable, places it right, and says what
// it skipped.
func TestReportOnDamagedInput(t *testing.T) {
	parent := t.TempDir()
	ist := time.FixedZone("+05:30", 5*3600+1800)
	m := recording.Meeting{ID: "damaged", Title: "Damaged", StartsAt: time.Date(2023, 11, 21, 14, 0, 0, 0, ist),
		Rooms: []recording.Room{{ID: "ranchi", Kind: "district", Name: "Ranchi"}, {ID: "dumka", Kind: "district", Name: "Dumka"}}}
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	f, err := recording.Open(parent, m, start, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	burst := func(at time.Duration, hz float64) audiotest.Burst {
		return audiotest.Burst{At: at, Dur: 200 * time.Millisecond, Freq: hz, Amp: 0.5}
	}
	// Ranchi: joined at 1 s, bursts at 2 s and 5 s (1 s and 4 s into its
	// segment), then the bot was killed: the file is cut mid-page.
	segment := func(room string, from, length time.Duration, bursts ...audiotest.Burst) string {
		return recordingtest.WriteSegment(t, f, room, start.Add(from), start.Add(from+length), audiotest.Render(length, bursts), audiotest.EncodeConfig{})
	}
	ranchi := segment("ranchi", time.Second, 6*time.Second, burst(time.Second, 500), burst(4*time.Second, 500))
	data, _ := os.ReadFile(ranchi)
	os.WriteFile(ranchi, data[:len(data)-500], 0o640)
	// Dumka: bursts at 2 s, 4 s and 7 s into a segment from 0.5 s, with a
	// page in the middle of the second burst's neighbourhood corrupted.
	dumka := segment("dumka", 500*time.Millisecond, 8*time.Second, burst(2*time.Second, 800), burst(4*time.Second, 800), burst(7*time.Second, 800))
	data, _ = os.ReadFile(dumka)
	mid := len(data) / 2
	for i := mid; i < mid+40; i++ {
		data[i] ^= 0x5a
	}
	os.WriteFile(dumka, data, 0o640)
	f.Events.Append(recording.Event{At: start.Add(9 * time.Second), Event: recording.EventRecordingStopped})
	f.Close()
	ev := filepath.Join(f.Path, recording.EventsFile)
	old, _ := os.ReadFile(ev)
	os.WriteFile(ev, append(old, []byte(`{"at":"2023-11-21T14:00:09.1`)...), 0o640)

	res, err := minutes.Build(f.Path, minutes.Options{})
	if err != nil {
		t.Fatalf("report on damaged input: %v", err)
	}
	said := strings.Join(res.Skipped, "\n")
	for _, want := range []string{"events.jsonl: line", "segments/ranchi/0001.ogg: cut off mid-page", "segments/dumka/0001.ogg: 1 corrupt"} {
		if !strings.Contains(said, want) {
			t.Errorf("the report did not say %q; it said:\n%s", want, said)
		}
	}
	check := func(room string, want []time.Duration) {
		dec, err := audiotest.DecodeOggFile(filepath.Join(f.Path, "rooms", room+".ogg"))
		if err != nil || dec.Stopped != nil {
			t.Fatalf("%s: %v %v", room, err, dec.Stopped)
		}
		onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
		for _, w := range want {
			if _, _, ok := audiotest.Nearest(onsets, w, 20*time.Millisecond); !ok {
				t.Errorf("%s: no burst at %v; found %v", room, w, onsets)
			}
		}
	}
	// Everything readable, at its wall-clock place; a burst lost with the
	// corrupt page is the only thing missing.
	check("ranchi", []time.Duration{2 * time.Second, 5 * time.Second})
	check("dumka", []time.Duration{2500 * time.Millisecond, 7500 * time.Millisecond})
	for _, name := range []string{minutes.AttendanceFile, minutes.MinutesFile, minutes.PageFile, minutes.MixFile} {
		if _, err := os.Stat(filepath.Join(f.Path, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}
