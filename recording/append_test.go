package recording

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAppendEventsToFinishedFolder(t *testing.T) {
	m := testMeeting()
	start := time.Now()
	f, err := Open(t.TempDir(), m, start, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f.Events.Append(Event{At: start.Add(time.Second), Event: EventJoined, Room: "ranchi"})
	dir := f.Path
	f.Close()

	err = AppendEvents(dir, Event{At: start.Add(time.Minute), Event: EventHandoffDone, Target: "command"})
	if !errors.Is(err, ErrUnfinished) {
		t.Fatalf("appending to a recording that has not ended: %v, want ErrUnfinished", err)
	}

	end := start.Add(10 * time.Second)
	f.Manifest.RecordingEndedAt = end.Format(TimeFormat)
	root, _ := os.OpenRoot(dir)
	f.Root = root
	if err := f.WriteManifest(); err != nil {
		t.Fatal(err)
	}
	root.Close()
	// A crash left half a line: the appended event starts on its own.
	w, _ := os.OpenFile(filepath.Join(dir, EventsFile), os.O_WRONLY|os.O_APPEND, 0)
	w.WriteString(`{"at":"2023-`)
	w.Close()
	before, _ := os.ReadFile(filepath.Join(dir, EventsFile))

	at := start.Add(time.Minute)
	if err := AppendEvents(dir, Event{At: at, Event: EventHandoffFailed, Target: "webhook", Reason: "503"}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, EventsFile))
	if string(after[:len(before)]) != string(before) {
		t.Fatal("appending changed what was already in events.jsonl")
	}
	r, _ := os.Open(filepath.Join(dir, EventsFile))
	defer r.Close()
	events, skipped, err := ReadEvents(r)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Event != EventHandoffFailed || last.Target != "webhook" || last.Reason != "503" ||
		!last.At.Equal(at.Truncate(time.Millisecond)) || last.OffsetMS != time.Minute.Milliseconds() {
		t.Errorf("appended event read back as %+v", last)
	}
	if _, off := last.At.Zone(); off != 5*3600+1800 {
		t.Errorf("appended event in zone offset %d, want the meeting's", off)
	}
	if len(skipped) != 1 {
		t.Errorf("skipped %q, want only the half line", skipped)
	}

	if err := AppendEvents(t.TempDir(), Event{At: at, Event: EventHandoffDone}); !errors.Is(err, ErrNotRecording) {
		t.Errorf("appending to a folder that is no recording: %v", err)
	}
}
