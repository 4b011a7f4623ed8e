package simulate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/recording"
)

func TestBuildListen(t *testing.T) {
	f := loadConfig(t, "demo.yaml")
	for _, c := range []struct{ listen, want int }{{0, 0}, {3, 3}, {-1, len(f.Rooms)}, {100, len(f.Rooms)}} {
		s, err := Build(f, Options{Duration: 10 * time.Second, Listen: c.listen})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range s.Rooms {
			if r.Listen {
				n++
			}
		}
		if n != c.want {
			t.Errorf("Listen %d: %d rooms listen, want %d", c.listen, n, c.want)
		}
		if c.listen > 0 && !s.Rooms[0].Listen {
			t.Errorf("Listen %d: the host does not listen", c.listen)
		}
	}
}

// ReadReport finds the recording in the bot's folder, adds up each room's
// segments and sets them beside what the rooms sent.
func TestReadReport(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "2024-05-02-demo")
	os.Mkdir(rec, 0o750)
	t0 := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	stats := func(received, late, concealed, driftDropped int64) json.RawMessage {
		b, _ := json.Marshal(map[string]int64{"packets_received": received, "late_dropped": late, "frames_concealed": concealed, "invalid_dropped": 1, "drift_dropped": driftDropped})
		return b
	}
	var lines []string
	for _, e := range []recording.Event{
		{At: t0, Event: recording.EventRecordingStarted},
		{At: t0.Add(1200 * time.Millisecond), Event: recording.EventSegmentOpened, Room: "ranchi", Segment: "segments/ranchi/0001.ogg"},
		{At: t0.Add(1500 * time.Millisecond), Event: recording.EventSegmentOpened, Room: "dumka", Segment: "segments/dumka/0001.ogg"},
		{At: t0.Add(20 * time.Second), Event: recording.EventSegmentClosed, Room: "ranchi", Segment: "segments/ranchi/0001.ogg", Stats: stats(900, 2, 3, 1)},
		{At: t0.Add(21 * time.Second), Event: recording.EventSegmentOpened, Room: "ranchi", Segment: "segments/ranchi/0002.ogg"},
		{At: t0.Add(30 * time.Second), Event: recording.EventSegmentClosed, Room: "ranchi", Segment: "segments/ranchi/0002.ogg", Stats: stats(400, 0, 0, 0)},
		{At: t0.Add(30 * time.Second), Event: recording.EventSegmentClosed, Room: "dumka", Segment: "segments/dumka/0001.ogg", Stats: stats(1400, 0, 0, 2)},
	} {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	os.WriteFile(filepath.Join(rec, "events.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o640)

	sent := []RoomStats{
		{Room: "ranchi", Joins: 2, Sent: 1310, JoinStarted: t0.Add(time.Second)},
		{Room: "dumka", Joins: 1, Sent: 1420, JoinStarted: t0.Add(time.Second)},
		{Room: "absent"},
	}
	rep, err := ReadReport(dir, sent, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Folder != rec {
		t.Errorf("folder %q, want %q", rep.Folder, rec)
	}
	if len(rep.Rooms) != 2 {
		t.Fatalf("rooms %+v, want ranchi and dumka", rep.Rooms)
	}
	r := rep.Rooms[0]
	if r.Room != "ranchi" || r.Sent != 1310 || r.Received != 1300 || r.Late != 2 || r.Invalid != 2 || r.DriftDropped != 1 || r.RecorderLoss() != 5 ||
		r.Concealed != 3 || r.Segments != 2 || r.Open != 0 || r.JoinToAudio() != 200*time.Millisecond {
		t.Errorf("ranchi: %+v", r)
	}
	s := rep.Summary()
	if s.Rooms != 2 || s.Recorded != 2 || s.Sent != 2730 || s.Received != 2700 || s.RecorderLoss != 8 || s.DriftDropped != 3 ||
		s.JoinMax != 500*time.Millisecond || s.SlowestRoom != "dumka" || !s.LastAudio.Equal(t0.Add(1500*time.Millisecond)) {
		t.Errorf("summary %+v", s)
	}
}
