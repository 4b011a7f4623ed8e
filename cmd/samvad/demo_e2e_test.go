package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/livekittest"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/recording"
)

// roomStory is what the folder must show of one room of the demo.
type roomStory struct {
	// absent rooms have no events, no audio and an "absent" row.
	absent bool
	// events must appear in this order among the room's events (others
	// may come between).
	events []string
	// check looks at the room's events in more detail.
	check func(t *testing.T, evs []recording.Event)
	// status is the room's attendance.csv status.
	status string
}

// TestDemoEndToEnd runs `samvad demo` in-process (real server, relay, bot
// and pion rooms over loopback) for a few seconds with one impairment of
// each kind, then checks the folder it leaves against the script.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 10 s meeting")
	}
	checkDemo(t, "../../configs/demo.yaml", false)
}

// TestDemoOnLiveKit is the same demo with its media on a real
// livekit-server (media.engine: livekit): the same folder, events and
// attendance, but for the dropped room, which LiveKit's SDK cannot drop
// without saying goodbye: it leaves and joins again.
func TestDemoOnLiveKit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 10 s meeting")
	}
	lk := livekittest.Start(t, livekittest.Options{})
	data, err := os.ReadFile("../../configs/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	media := "media: {engine: livekit, livekit: {url: \"" + lk.URL + "\", api_key: " + livekittest.Key + ", api_secret: {plain: " + livekittest.Secret + "}}}\nrecorder_token:"
	config := filepath.Join(t.TempDir(), "demo-livekit.yaml")
	if err := os.WriteFile(config, []byte(strings.Replace(string(data), "recorder_token:", media, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	checkDemo(t, config, true)
}

// checkDemo runs `samvad demo` on config for 10 s with one impairment of
// each kind and checks the folder it leaves against the script.
func checkDemo(t *testing.T, config string, liveKit bool) {
	out := t.TempDir()
	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	err := run(ctx, []string{"demo", "--config", config, "--duration", "10s", "--out", out,
		"--late", "giridih", "--absent", "palamu", "--silent", "bokaro", "--pause", "dhanbad", "--drop", "dumka",
		"--loss", "0.02", "--jitter", "100ms"}, e)
	t.Logf("demo ran %v\n%s", time.Since(start).Round(time.Millisecond), stdout.String())
	if err != nil {
		t.Fatalf("demo: %v\nstderr:\n%s", err, stderr.String())
	}

	// The last line is the folder.
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	folder := lines[len(lines)-1]
	if filepath.Dir(folder) != out {
		t.Fatalf("last line %q is not a folder in %s", folder, out)
	}
	summary := []string{"late:     Giridih", "absent:   Palamu", "dropped:  Dumka", "silent:   Bokaro", "7 of 8 rooms attended"}
	drop := recording.EventDropped
	if liveKit {
		summary[2] = "present:  Executive President, Central Committee, Ranchi, Dumka"
		drop = recording.EventLeft
	}
	for _, want := range summary {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q", want)
		}
	}

	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	wall := man.EndedAt().Sub(man.StartedAt())
	if wall < 10*time.Second || wall > 15*time.Second {
		t.Errorf("recorded %v for a 10 s demo", wall)
	}
	events := eventsByRoom(t, folder)

	joined := func(late bool) func(*testing.T, []recording.Event) {
		return func(t *testing.T, evs []recording.Event) {
			first := evs[slices.IndexFunc(evs, func(e recording.Event) bool { return e.Event == recording.EventJoined })]
			if (first.LateByMS > 0) != late {
				t.Errorf("first join has late_by_ms %d", first.LateByMS)
			}
		}
	}
	stories := map[string]roomStory{
		"host":    {events: []string{"joined", "audio_started", "left"}, check: joined(false), status: "present"},
		"central": {events: []string{"joined", "audio_started", "left"}, check: joined(false), status: "present"},
		"ranchi":  {events: []string{"joined", "audio_started", "left"}, check: joined(false), status: "present"},
		// The old connection's segment may close after the room is back:
		// the recorder sees its track end when the relay says so.
		"dumka": {events: []string{"joined", "segment_opened", drop, "joined", "segment_opened", "left"}, status: "present",
			check: func(t *testing.T, evs []recording.Event) {
				joined(false)(t, evs)
				n := map[string]int{}
				for _, e := range evs {
					n[e.Event]++
				}
				if n["segment_opened"] != 2 || n["segment_closed"] != 2 || n[drop] != 1+btoi(liveKit) {
					t.Errorf("want one drop and two segments, opened and closed: %v", n)
				}
			}},
		"dhanbad": {events: []string{"joined", "audio_started", "audio_stopped", "audio_started", "left"}, check: joined(false), status: "present"},
		"bokaro": {events: []string{"joined", "audio_stopped", "left"}, status: "present", check: func(t *testing.T, evs []recording.Event) {
			for _, e := range evs {
				switch {
				case e.Event == recording.EventAudioStarted:
					t.Errorf("a room that sends only silence had audio_started at %d ms", e.OffsetMS)
				case e.Event == recording.EventAudioStopped && e.Reason != "digital_silence":
					t.Errorf("audio_stopped with reason %q, want digital_silence", e.Reason)
				}
			}
		}},
		"giridih": {events: []string{"joined", "audio_started", "left"}, check: joined(true), status: "late"},
		"palamu":  {absent: true, status: "absent"},
	}
	for _, r := range man.Meeting.Rooms {
		if _, ok := stories[r.ID]; !ok {
			t.Errorf("meeting.json has room %q the test does not expect", r.ID)
		}
	}
	if len(man.Meeting.Rooms) != len(stories) {
		t.Errorf("meeting.json has %d rooms, demo.yaml %d", len(man.Meeting.Rooms), len(stories))
	}

	for id, story := range stories {
		t.Run(id, func(t *testing.T) {
			evs := events[id]
			audio := filepath.Join(folder, "rooms", id+".ogg")
			if story.absent {
				if len(evs) > 0 {
					t.Errorf("absent, yet %d events: first %q", len(evs), evs[0].Event)
				}
				if _, err := os.Stat(audio); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("absent, yet %s: %v", audio, err)
				}
				return
			}
			expectInOrder(t, evs, story.events)
			if story.check != nil && len(evs) > 0 {
				story.check(t, evs)
			}
			dec, err := audiotest.DecodeOggFile(audio)
			if err != nil {
				t.Fatal(err)
			}
			if dec.Stopped != nil {
				t.Errorf("%s damaged: %v", audio, dec.Stopped)
			}
			got := audiotest.Duration(len(dec.PCM))
			if diff := (got - wall).Abs(); diff > wall/200 {
				t.Errorf("%s plays %v; the recording lasted %v (off by %v, more than 0.5%%)", audio, got, wall, diff)
			}
		})
	}
	checkAttendance(t, folder, stories)
}

// eventsByRoom is events.jsonl by room, which must be whole.
func eventsByRoom(t *testing.T, folder string) map[string][]recording.Event {
	t.Helper()
	by := map[string][]recording.Event{}
	for _, e := range recordingtest.Events(t, folder) {
		by[e.Room] = append(by[e.Room], e)
	}
	return by
}

func expectInOrder(t *testing.T, evs []recording.Event, want []string) {
	t.Helper()
	var got []string
	for _, e := range evs {
		got = append(got, e.Event)
	}
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("events %v lack %v in that order", got, want)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkAttendance checks attendance.csv: DESIGN.md's header first, a row
// per configured room and no other, each with its status, its times with
// their offset, and the seconds it was connected and heard (the silent
// room connected throughout and never heard, the absent one nothing).
func checkAttendance(t *testing.T, folder string, stories map[string]roomStory) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(folder, "attendance.csv"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("attendance.csv:\n%s", data)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("attendance.csv: %v, %d rows", err, len(rows))
	}
	contract := "room,name,name_hi,kind,location,status,first_joined,last_left,connected_s,drops,speaking_s"
	if got := strings.Join(rows[0], ","); !strings.HasPrefix(got+",", contract+",") {
		t.Fatalf("attendance.csv header %q, want DESIGN.md's %q first", got, contract)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if _, ok := col["audio_s"]; !ok {
		t.Fatalf("attendance.csv has no audio_s: %v", rows[0])
	}
	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	wall := man.EndedAt().Sub(man.StartedAt()).Seconds()
	num := func(row []string, name string) float64 {
		v, err := strconv.ParseFloat(row[col[name]], 64)
		if err != nil {
			t.Errorf("attendance.csv: %s: %s %q: %v", row[0], name, row[col[name]], err)
		}
		return v
	}
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			t.Errorf("attendance.csv: row %v has %d fields, the header %d", row, len(row), len(rows[0]))
			continue
		}
		id := row[0]
		story, ok := stories[id]
		if !ok {
			t.Errorf("attendance.csv: unexpected room %q", id)
			continue
		}
		seen[id] = true
		if row[col["status"]] != story.status {
			t.Errorf("attendance.csv: %s is %q, want %q", id, row[col["status"]], story.status)
		}
		connected, heard := num(row, "connected_s"), num(row, "audio_s")
		if story.absent {
			if row[col["first_joined"]] != "" || connected != 0 || heard != 0 {
				t.Errorf("attendance.csv: absent %s: %v", id, row)
			}
			continue
		}
		if first, err := time.Parse("2006-01-02 15:04:05-07:00", row[col["first_joined"]]); err != nil {
			t.Errorf("attendance.csv: %s: first_joined %q is not a time with its offset: %v", id, row[col["first_joined"]], err)
		} else if first.Before(man.StartedAt().Add(-time.Second)) || first.After(man.EndedAt()) {
			t.Errorf("attendance.csv: %s: first_joined %v outside the recording %v to %v", id, first, man.StartedAt(), man.EndedAt())
		}
		if connected < wall/3 || connected > wall+1 {
			t.Errorf("attendance.csv: %s connected %v s of the %.1f s recorded", id, connected, wall)
		}
		switch {
		case id == "bokaro" && heard != 0:
			t.Errorf("attendance.csv: bokaro sent only silence, yet audio_s is %v", heard)
		case id != "bokaro" && (heard < 1 || heard > connected):
			t.Errorf("attendance.csv: %s heard %v s of %v s connected", id, heard, connected)
		}
	}
	for id := range stories {
		if !seen[id] {
			t.Errorf("attendance.csv has no row for %s", id)
		}
	}
}
