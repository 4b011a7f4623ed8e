package minutes_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// TestSegmentMoved: a segment whose first packets came late logs its
// earlier start in segment_moved, written after its segment_opened but
// dated before it. The report places the whole segment from the earlier
// start: its burst, 2 s into it, is in the room's file at 1 s + 2 s less
// the move.
func TestSegmentMoved(t *testing.T) {
	m := recordingtest.Meeting()
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	f, err := recording.Open(t.TempDir(), m, start, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	from := start.Add(time.Second)
	burst := audiotest.Burst{At: 2 * time.Second, Dur: 300 * time.Millisecond, Freq: 500, Amp: 0.5}
	seg := recordingtest.WriteSegment(t, f, "ranchi", from, from.Add(4*time.Second), audiotest.Render(4*time.Second, []audiotest.Burst{burst}), audiotest.EncodeConfig{})
	const move = 100 * time.Millisecond
	rel, _ := filepath.Rel(f.Path, seg)
	f.Events.Append(recording.Event{At: from.Add(-move), Event: recording.EventSegmentMoved, Room: "ranchi", Segment: filepath.ToSlash(rel)})
	f.Events.Append(recording.Event{At: start.Add(6 * time.Second), Event: recording.EventRecordingStopped})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := minutes.Build(f.Path, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(f.Path, "rooms", "ranchi.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	want := 3*time.Second - move
	if got, _, ok := audiotest.Nearest(audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{}), want, 10*time.Millisecond); !ok {
		t.Errorf("no burst at %v (the moved start's place); nearest %v", want, got)
	}
}
