package recording

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/meeting"
)

func testMeeting() Meeting {
	ist := time.FixedZone("+05:30", 5*3600+1800)
	return Meeting{
		ID: "jmm-2023-11-21", Title: "Samvad", StartsAt: time.Date(2023, 11, 21, 14, 0, 0, 0, ist), LateAfter: meeting.Duration(10 * time.Minute),
		Rooms: []Room{{ID: "ranchi", Kind: "district", Name: "Ranchi", NameHi: "रांची"}},
	}
}

func TestOpenNamesContinuesAndNeverOverwrites(t *testing.T) {
	parent := t.TempDir()
	m := testMeeting()
	// Real time: continuing looks at the event log's modification time.
	now := time.Now()

	f, err := Open(parent, m, now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(parent, "2023-11-21-jmm-2023-11-21"); f.Path != want {
		t.Errorf("folder %s, want %s", f.Path, want)
	}
	if f.Start().Sub(now).Abs() >= time.Millisecond || f.Continued {
		t.Errorf("start %v continued %v", f.Start(), f.Continued)
	}
	seg1, _ := f.NextSegment("ranchi")
	seg2, _ := f.NextSegment("ranchi")
	if seg1 != "segments/ranchi/0001.ogg" || seg2 != "segments/ranchi/0002.ogg" {
		t.Errorf("segments %s, %s", seg1, seg2)
	}
	f.Root.MkdirAll("segments/ranchi", DirMode)
	for _, s := range []string{seg1, seg2} {
		w, _ := f.Root.Create(s)
		w.Close()
	}
	if _, err := f.NextSegment("../etc"); err == nil {
		t.Error("a room id that escapes the folder was accepted")
	}
	f.Events.Append(Event{At: now.Add(time.Second), Event: EventJoined, Room: "ranchi"})
	f.Close()

	// A bot restarted soon after a crash continues the folder, numbering
	// after the segments already there.
	f2, err := Open(parent, m, now.Add(30*time.Second), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if f2.Path != f.Path || !f2.Continued || !f2.Start().Equal(f.Start()) {
		t.Errorf("restart: folder %s continued %v start %v", f2.Path, f2.Continued, f2.Start())
	}
	if s, _ := f2.NextSegment("ranchi"); s != "segments/ranchi/0003.ogg" {
		t.Errorf("restart's next segment %s, want 0003", s)
	}
	f2.Manifest.RecordingEndedAt = now.Add(time.Hour).Format(TimeFormat)
	if err := f2.WriteManifest(); err != nil {
		t.Fatal(err)
	}
	f2.Close()

	// A finished recording is never reopened: the next run gets -2.
	f3, err := Open(parent, m, now.Add(2*time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if f3.Path != f.Path+"-2" || f3.Continued {
		t.Errorf("after a finished recording: %s continued %v", f3.Path, f3.Continued)
	}
	f3.Close()

	// Nor is an unfinished one abandoned long ago.
	f4, err := Open(parent, m, now.Add(10*time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if f4.Path != f.Path+"-3" {
		t.Errorf("after a stale unfinished recording: %s", f4.Path)
	}
	f4.Close()

	for _, p := range []string{f.Path, filepath.Join(f.Path, EventsFile), filepath.Join(f.Path, ManifestFile)} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o007 != 0 {
			t.Errorf("%s is open to everyone: %v", p, st.Mode().Perm())
		}
	}
}

func TestEventLog(t *testing.T) {
	parent := t.TempDir()
	m := testMeeting()
	start := time.Date(2023, 11, 21, 8, 30, 0, 0, time.UTC)
	f, err := Open(parent, m, start, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	lvl := 20
	f.Events.Append(Event{At: start.Add(1500 * time.Millisecond), Event: EventSpeakingStarted, Room: "ranchi", Level: &lvl, Text: "Ranchi speaking"})
	f.Events.Append(Event{At: start.Add(time.Second), Event: EventJoined, Room: "ranchi", LateByMS: 1234})
	f.Close()

	data, err := os.ReadFile(filepath.Join(f.Path, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"at":"2023-11-21T14:00:01.500+05:30","offset_ms":1500,"event":"speaking_started"`) {
		t.Fatalf("events.jsonl:\n%s", data)
	}
	// A crash leaves half a line; the reader skips it, and a restarted bot
	// starts its lines on a fresh one.
	os.WriteFile(filepath.Join(f.Path, EventsFile), append(data, []byte(`{"at":"2023-11-21T14:00:02`)...), 0o640)
	f2, err := Open(parent, m, start.Add(5*time.Second), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f2.Events.Append(Event{At: start.Add(6 * time.Second), Event: EventLeft, Room: "ranchi"})
	f2.Close()
	r, _ := os.Open(filepath.Join(f.Path, EventsFile))
	defer r.Close()
	events, skipped, err := ReadEvents(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 {
		t.Errorf("skipped %v, want the one broken line", skipped)
	}
	got := []string{}
	for _, e := range events {
		got = append(got, e.Event)
	}
	if strings.Join(got, ",") != "joined,speaking_started,left" {
		t.Errorf("events in time order: %v", got)
	}
	if events[0].LateByMS != 1234 || events[1].Level == nil || *events[1].Level != 20 {
		t.Errorf("fields lost: %+v %+v", events[0], events[1])
	}
}

// failingFile refuses writes while full is set, as a full disk does.
type failingFile struct {
	bytes.Buffer
	full bool
}

func TestEventLogHoldsLinesWhileTheDiskIsFull(t *testing.T) {
	dir := t.TempDir()
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	w, _ := root.Create(EventsFile)
	l := &EventLog{f: w, start: time.Unix(0, 0), loc: time.UTC}
	// A read-only handle stands in for a full disk: every write fails.
	ro, _ := root.Open(EventsFile)
	l.f = ro
	if err := l.Append(Event{At: time.Unix(1, 0), Event: EventJoined, Room: "ranchi"}); err == nil {
		t.Fatal("write to a full disk reported no error")
	}
	l.Append(Event{At: time.Unix(2, 0), Event: EventLeft, Room: "ranchi"})
	if l.Pending() != 2 {
		t.Fatalf("%d lines held, want 2", l.Pending())
	}
	l.f = w // space again
	if err := l.Retry(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	data, _ := os.ReadFile(filepath.Join(dir, EventsFile))
	if n := strings.Count(string(data), "\n"); n != 2 || l.Pending() != 0 {
		t.Errorf("after space returned: %d lines written, %d held:\n%s", n, l.Pending(), data)
	}
}

func TestReadManifestErrors(t *testing.T) {
	if _, err := ReadManifest(t.TempDir()); !errors.Is(err, ErrNotRecording) {
		t.Errorf("empty folder: %v", err)
	}
}
