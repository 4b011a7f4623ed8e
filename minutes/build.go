// Package minutes builds what the secretaries receive from a recording
// folder: each room's audio stitched onto the meeting's timeline, the
// manifest with checksums, and (see the other files) the attendance, the
// timeline page and the draft minutes. Build works from events.jsonl and the
// segments alone, so it runs the same after a clean end, after a crash, and
// again and again (`samvad report`).
package minutes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"time"

	"github.com/samvad/samvad/oggopus"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/stitch"
)

// Progress is told how far Build has come, for a progress bar.
type Progress func(done, total int, what string)

// Options tune Build.
type Options struct {
	Logger   *slog.Logger
	Progress Progress
	// Context, when set, stops Build between files, and the mix rebuild
	// within, once it is done (Ctrl-C on samvad report). What was made
	// before stays; the report can be run again.
	Context context.Context
}

// Result is what Build made and what it had to skip.
type Result struct {
	Folder  string
	Start   time.Time
	End     time.Time
	Rooms   []recording.RoomFile
	Skipped []string // damaged input that was passed over, in words
	// Summary is the attendance the minutes were written from.
	Summary Summary
}

// Build (re)makes the derived files of the recording folder dir.
func Build(dir string, opts Options) (*Result, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(int, int, string) {}
	}
	f, err := recording.OpenExisting(dir)
	if err != nil {
		return nil, err
	}
	defer f.Root.Close()

	events, skipped, err := readEvents(f)
	if err != nil {
		return nil, err
	}
	res := &Result{Folder: dir, Start: f.Start()}
	for _, s := range skipped {
		res.Skipped = append(res.Skipped, "events.jsonl: "+s+": not a complete event line")
	}
	segs := collectSegments(f, events)
	res.End = recordingEnd(f, events, segs)

	rooms := roomIDs(f, segs)
	total := len(rooms) + 2 + len(secretaryFiles)
	man := f.Manifest
	man.Rooms, man.Segments = nil, nil
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	stopped := func() error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("report stopped: %w", err)
		}
		return nil
	}
	for i, room := range rooms {
		if err := stopped(); err != nil {
			return nil, err
		}
		progress(i, total, "rooms/"+room+".ogg")
		rf, infos, err := stitchRoom(f, room, segs[room], res.Start, res.End)
		if err != nil {
			return nil, err
		}
		man.Rooms = append(man.Rooms, *rf)
		res.Rooms = append(res.Rooms, *rf)
		for _, in := range infos {
			sf := recording.SegmentFile{
				Room:      room,
				AudioFile: recording.AudioFile{Path: in.Path, SHA256: in.SHA256, Bytes: in.Bytes, DurationS: in.Duration.Seconds()},
				Start:     in.Start.In(man.Meeting.Location()).Format(recording.TimeFormat),
				Closed:    in.Closed,
			}
			if d := damage(in); d != "" {
				sf.Damaged = d
				res.Skipped = append(res.Skipped, in.Path+": "+d)
			}
			man.Segments = append(man.Segments, sf)
		}
	}
	if man.RecordingEndedAt == "" {
		man.RecordingEndedAt = res.End.In(man.Meeting.Location()).Format(recording.TimeFormat)
	}
	if err := stopped(); err != nil {
		return nil, err
	}
	progress(len(rooms), total, MixFile)
	f.Manifest = man
	mix, err := ensureMix(ctx, f, events, man.Rooms, res.Start, res.End)
	if err != nil {
		return nil, err
	}
	// ensureMix may have changed f.Manifest (MixIncomplete): what is
	// written is f.Manifest, so the mix goes there, not on a copy.
	f.Manifest.Mix = mix
	progress(len(rooms)+1, total, recording.ManifestFile)
	if err := f.WriteManifest(); err != nil {
		return nil, err
	}
	// Last, so that the minutes link to every audio file made above.
	step := func(i int, name string) { progress(len(rooms)+2+i, total, name) }
	res.Summary = Summarize(f.Manifest.Meeting, res.Start, res.End, events)
	if err := writeMinutes(f, res.Summary, step); err != nil {
		return nil, err
	}
	progress(total, total, "done")
	for _, s := range res.Skipped {
		log.Warn("skipped damaged input", "what", s)
	}
	return res, nil
}

func readEvents(f *recording.Folder) ([]recording.Event, []string, error) {
	r, err := f.Root.Open(recording.EventsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, []string{"missing"}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return recording.ReadEvents(r)
}

// collectSegments finds every room's segments and their wall-clock starts:
// from segment_opened events, which the bot writes (synced) when a segment
// has settled on its start, before it writes any audio, and segment_moved,
// which only ever moves a start earlier.
func collectSegments(f *recording.Folder, events []recording.Event) map[string][]stitch.SegmentRef {
	start := map[string]time.Time{}
	for _, e := range events {
		if e.Event != recording.EventSegmentOpened && e.Event != recording.EventSegmentMoved || e.Segment == "" {
			continue
		}
		if t, ok := start[e.Segment]; !ok || e.At.Before(t) {
			start[e.Segment] = e.At
		}
	}
	out := map[string][]stitch.SegmentRef{}
	for _, room := range f.SegmentRooms() {
		for _, p := range f.Segments(room) {
			t, ok := start[p]
			if !ok {
				continue // created but never given a packet: nothing to place
			}
			out[room] = append(out[room], stitch.SegmentRef{Path: p, Start: t})
		}
	}
	return out
}

// recordingEnd is recording_ended_at, or for a recording cut short by a
// crash the last moment anything shows it was alive.
func recordingEnd(f *recording.Folder, events []recording.Event, segs map[string][]stitch.SegmentRef) time.Time {
	if t := f.Manifest.EndedAt(); !t.IsZero() {
		return t
	}
	end := f.Start()
	for _, e := range events {
		if e.At.After(end) {
			end = e.At
		}
	}
	for _, refs := range segs {
		for _, r := range refs {
			data, err := fs.ReadFile(f.Root.FS(), r.Path)
			if err != nil {
				continue
			}
			sc, err := oggopus.Scan(data)
			if err != nil {
				continue
			}
			if t := r.Start.Add(oggopus.Duration(sc.Samples())); t.After(end) {
				end = t
			}
		}
	}
	return end
}

func roomIDs(f *recording.Folder, segs map[string][]stitch.SegmentRef) []string {
	seen := map[string]bool{}
	var ids []string
	for _, r := range f.Manifest.Meeting.Rooms {
		if len(segs[r.ID]) > 0 && !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	var extra []string
	for id := range segs {
		if !seen[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	return append(ids, extra...)
}

// stitchRoom writes rooms/<room>.ogg through a temporary file, so that a
// rebuild replaces the old file only once the new one is whole.
func stitchRoom(f *recording.Folder, room string, segs []stitch.SegmentRef, start, end time.Time) (*recording.RoomFile, []stitch.SegmentInfo, error) {
	if err := f.Root.MkdirAll(recording.RoomsDir, recording.DirMode); err != nil {
		return nil, nil, fmt.Errorf("rooms folder: %w", err)
	}
	final := path.Join(recording.RoomsDir, room+".ogg")
	tmp := final + ".tmp"
	f.Root.Remove(tmp)
	res, err := stitch.Room(f.Root, tmp, segs, start, end)
	if err != nil {
		return nil, nil, fmt.Errorf("stitch %s: %w", room, err)
	}
	if err := recording.Replace(f.Root, tmp, final); err != nil {
		return nil, nil, fmt.Errorf("stitch %s: %w", room, err)
	}
	sum, size, err := fileSHA256(f, final)
	if err != nil {
		return nil, nil, err
	}
	return &recording.RoomFile{
		Room:      room,
		AudioFile: recording.AudioFile{Path: final, SHA256: sum, Bytes: size, DurationS: res.Duration.Seconds()},
		Segments:  len(segs),
	}, res.Segments, nil
}

func fileSHA256(f *recording.Folder, name string) (string, int64, error) {
	r, err := f.Root.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, fmt.Errorf("checksum %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// damage says in words what of a segment could not be used.
func damage(in stitch.SegmentInfo) string {
	switch {
	case in.Err != nil:
		return "unreadable: " + in.Err.Error()
	case in.CorruptPages > 0 || in.MissingPages > 0:
		return fmt.Sprintf("%d corrupt and %d missing pages skipped (%d bytes)", in.CorruptPages, in.MissingPages, in.SkippedBytes)
	case in.BadGranules > 0:
		return fmt.Sprintf("%d pages with impossible positions placed after the audio before them", in.BadGranules)
	case in.TruncatedBytes > 0:
		return fmt.Sprintf("cut off mid-page (%d bytes of a last page unused)", in.TruncatedBytes)
	}
	return ""
}
