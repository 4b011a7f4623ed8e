package recordingtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/samvad/samvad/recording"
)

// Events is the folder's events.jsonl, which must be there and whole.
func Events(t testing.TB, folder string) []recording.Event {
	t.Helper()
	events, skipped, err := readEvents(folder)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("%s: %v; skipped %v", recording.EventsFile, err, skipped)
	}
	return events
}

// EventsSoFar is what events.jsonl holds now, of a recording still going
// or of a bot that was killed: nothing if it is not there yet, and a line
// cut short by the kill left out.
func EventsSoFar(folder string) []recording.Event {
	events, _, _ := readEvents(folder)
	return events
}

func readEvents(folder string) ([]recording.Event, []string, error) {
	f, err := os.Open(filepath.Join(folder, recording.EventsFile))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return recording.ReadEvents(f)
}
