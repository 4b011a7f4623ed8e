package minutes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/recording"
)

// ensureMix keeps the bot's live mix.ogg when it is complete and rebuilds
// it from the stitched rooms when it is missing, cut short by a crash, or
// known to lack late audio. The rebuild goes through a temporary file, so
// the old mix stays until the new one is whole.
func ensureMix(ctx context.Context, f *recording.Folder, events []recording.Event, rooms []recording.RoomFile, start, end time.Time) (*recording.AudioFile, error) {
	if f.Manifest.NoMix {
		return nil, nil
	}
	length := end.Sub(start)
	ok, err := mixer.Check(f.Root, MixFile, length)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", MixFile, err)
	}
	if !ok || f.Manifest.MixIncomplete {
		var in []mixer.Room
		for _, r := range rooms {
			in = append(in, mixer.Room{Path: r.Path, Sounding: soundingSpans(events, r.Room, start, end)})
		}
		tmp := MixFile + ".tmp"
		if err := f.Root.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if _, err := mixer.MixFiles(f.Root, tmp, in, length, mixer.Options{Context: ctx}); err != nil {
			return nil, fmt.Errorf("mix: %w", err)
		}
		if err := recording.Replace(f.Root, tmp, MixFile); err != nil {
			return nil, fmt.Errorf("mix: %w", err)
		}
		f.Manifest.MixIncomplete = false
	}
	sum, size, err := fileSHA256(f, MixFile)
	if err != nil {
		return nil, err
	}
	return &recording.AudioFile{Path: MixFile, SHA256: sum, Bytes: size, DurationS: length.Seconds()}, nil
}

// soundingSpans are a room's speaking turns as offsets from the recording's
// start: outside them the rebuild does not decode the room at all. A room
// that never spoke gets an empty, non-nil list: it is never heard.
func soundingSpans(events []recording.Event, room string, start, end time.Time) []mixer.Span {
	spans := []mixer.Span{}
	var open time.Time
	closeTurn := func(at time.Time) {
		if !open.IsZero() {
			spans = append(spans, mixer.Span{From: open.Sub(start), To: at.Sub(start)})
			open = time.Time{}
		}
	}
	for _, e := range events {
		if e.Room != room {
			continue
		}
		switch e.Event {
		case recording.EventSpeakingStarted:
			if open.IsZero() {
				open = e.At
			}
		case recording.EventSpeakingStopped, recording.EventLeft, recording.EventDropped:
			closeTurn(e.At)
		}
	}
	closeTurn(end)
	sort.Slice(spans, func(i, j int) bool { return spans[i].From < spans[j].From })
	return spans
}
