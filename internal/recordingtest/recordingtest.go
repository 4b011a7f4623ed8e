// Package recordingtest makes finished recording folders for tests of what
// comes after a meeting (the hand-off, the recordings page): real Opus
// segments written by the recorder as the bot writes them, the events the
// bot logs, and the minutes built by the report, all without a meeting.
package recordingtest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/capturetest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// IST is the meeting's zone, +05:30.
var IST = time.FixedZone("+05:30", 5*3600+1800)

// Meeting is the test meeting: three districts, of which Palamu stays
// away.
func Meeting() recording.Meeting {
	return recording.Meeting{
		ID: "jmm-2023-11-21", Title: "Online samvad with district committees",
		TitleHi:  "जिला समितियों के साथ ऑनलाइन संवाद",
		StartsAt: time.Date(2023, 11, 21, 14, 0, 0, 0, IST), LateAfter: meeting.Duration(10 * time.Minute),
		Rooms: []recording.Room{
			{ID: "ranchi", Kind: "district", Name: "Ranchi", NameHi: "रांची", Location: "Samargarh Resort, Hazaribagh Road"},
			{ID: "dumka", Kind: "district", Name: "Dumka", NameHi: "दुमका"},
			{ID: "palamu", Kind: "district", Name: "Palamu", NameHi: "पलामू"},
		},
	}
}

// Length is how long Finished's recordings last; Turn how long each
// speaking turn in them.
const (
	Length = 20 * time.Second
	Turn   = 1500 * time.Millisecond
)

// Turns are when each room speaks, from the recording's start; ToneHz
// the pitch each speaks at.
var (
	Turns  = map[string][]time.Duration{"ranchi": {time.Second, 9 * time.Second}, "dumka": {5 * time.Second, 13 * time.Second}}
	ToneHz = map[string]float64{"ranchi": 500, "dumka": 800}
)

// Finished records a Length-long meeting into a new folder under parent,
// Ranchi and Dumka speaking in turns (tones of 500 Hz and 800 Hz), builds
// its minutes and returns the folder.
func Finished(t testing.TB, parent string) string {
	t.Helper()
	m := Meeting()
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	f, err := recording.Open(parent, m, start, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	f.Events.Append(recording.Event{At: start, Event: recording.EventRecordingStarted, Meeting: m.ID})
	room := func(id string, hz float64, turns ...time.Duration) {
		var bursts []audiotest.Burst
		f.Events.Append(recording.Event{At: start, Event: recording.EventJoined, Room: id, Session: id + "-1"})
		for _, at := range turns {
			bursts = append(bursts, audiotest.Burst{At: at, Dur: Turn, Freq: hz, Amp: 0.4})
			// The mix is made of the turns the bot heard: without these,
			// it would be silent.
			f.Events.Append(recording.Event{At: start.Add(at), Event: recording.EventSpeakingStarted, Room: id})
			f.Events.Append(recording.Event{At: start.Add(at + Turn), Event: recording.EventSpeakingStopped, Room: id})
		}
		// 96 kb/s rather than a browser's 32: room files of a few hundred
		// kilobytes, which an upload or a download cannot take in one gulp.
		WriteSegment(t, f, id, start, start.Add(Length), audiotest.Render(Length, bursts), audiotest.EncodeConfig{Bitrate: 96000})
		f.Events.Append(recording.Event{At: start.Add(Length), Event: recording.EventLeft, Room: id, Session: id + "-1"})
	}
	room("ranchi", ToneHz["ranchi"], Turns["ranchi"]...)
	room("dumka", ToneHz["dumka"], Turns["dumka"]...)
	end := start.Add(Length)
	f.Events.Append(recording.Event{At: end, Event: recording.EventRecordingStopped})
	f.Manifest.RecordingEndedAt = end.In(IST).Format(recording.TimeFormat)
	if err := f.WriteManifest(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := minutes.Build(f.Path, minutes.Options{}); err != nil {
		t.Fatalf("report: %v", err)
	}
	return f.Path
}

// WriteSegment records pcm, encoded with cfg, as one connection of room
// from start, packets arriving every 20 ms, as the bot does: a segment
// written by the recorder, closed at end, and its segment_opened logged.
// It returns the segment's path.
func WriteSegment(t testing.TB, f *recording.Folder, room string, start, end time.Time, pcm []float32, cfg audiotest.EncodeConfig) string {
	t.Helper()
	pkts, err := audiotest.Encode(pcm, cfg)
	if err != nil {
		t.Fatal(err)
	}
	name, err := f.NextSegment(room)
	if err != nil {
		t.Fatal(err)
	}
	seg, err := capture.CreateSegment(f.Root, name, capture.Config{})
	if err != nil {
		t.Fatal(err)
	}
	capturetest.Play(t, seg, start, pkts)
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	f.Events.Append(recording.Event{At: start, Event: recording.EventSegmentOpened, Room: room, Segment: name})
	return filepath.Join(f.Path, name)
}
