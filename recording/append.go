package recording

import (
	"errors"
	"fmt"
	"os"
)

// ErrUnfinished is returned for a folder whose recording has not ended:
// only its recorder writes to it.
var ErrUnfinished = errors.New("the recording has not ended")

// AppendEvents adds events to the events.jsonl of a finished recording
// folder, synced, with their offsets from its start: what happens to a
// folder after its recording (the hand-off) belongs to its story too. It
// writes nothing else.
func AppendEvents(dir string, events ...Event) error {
	man, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	if man.EndedAt().IsZero() {
		return fmt.Errorf("%s: %w", dir, ErrUnfinished)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	defer root.Close()
	log, err := openEvents(root, man.StartedAt(), man.Meeting.Location())
	if err != nil {
		return err
	}
	return errors.Join(log.AppendBatch(events), log.Close())
}
