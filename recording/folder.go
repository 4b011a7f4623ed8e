// Package recording is one recording's output folder: where it is, how it
// is named and continued after a restart, its append-only event log
// (events.jsonl) and its manifest (meeting.json). The audio itself is the
// recorder package's; the secretaries' files are the minutes package's.
package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// File and folder modes: recordings are for the meeting's staff only.
const (
	DirMode  = 0o750
	FileMode = 0o640
)

// Names inside a recording folder.
const (
	EventsFile   = "events.jsonl"
	ManifestFile = "meeting.json"
	SegmentsDir  = "segments"
	RoomsDir     = "rooms"
)

// DefaultContinueWithin: a bot restarted within this time of its folder's
// last event continues that folder instead of starting a new one.
const DefaultContinueWithin = 30 * time.Minute

// ErrNotRecording is returned for a folder without a meeting.json.
var ErrNotRecording = errors.New("not a samvad recording folder")

// Folder is an open recording folder.
type Folder struct {
	// Path is the folder on disk.
	Path string
	// Root confines every file to the folder: a room id can never name a
	// path outside it.
	Root *os.Root
	// Events is the folder's event log.
	Events *EventLog
	// Manifest as written at start; the report completes it.
	Manifest Manifest
	// Continued is set when a restarted bot took up an unfinished folder.
	Continued bool

	segNext map[string]int
}

// Open makes the folder for a recording of m under parent, or continues the
// newest folder of the same meeting if it was left unfinished (a crash or a
// kill) less than continueWithin ago. An existing folder is never
// overwritten: a finished one gets a new folder with a -N suffix.
func Open(parent string, m Meeting, now time.Time, continueWithin time.Duration) (*Folder, error) {
	if err := os.MkdirAll(parent, DirMode); err != nil {
		return nil, fmt.Errorf("recordings folder: %w", err)
	}
	base := m.StartsAt.Format("2006-01-02") + "-" + m.ID
	newest, n := "", 0
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = base + "-" + strconv.Itoa(i)
		}
		if _, err := os.Stat(filepath.Join(parent, name)); err != nil {
			break
		}
		newest, n = name, i
	}
	if newest != "" {
		dir := filepath.Join(parent, newest)
		if f, err := continueFolder(dir, now, continueWithin); err == nil {
			return f, nil
		} else if !errors.Is(err, errFinished) {
			return nil, err
		}
	}
	for i := n + 1; ; i++ {
		name := base
		if i > 1 {
			name = base + "-" + strconv.Itoa(i)
		}
		dir := filepath.Join(parent, name)
		err := os.Mkdir(dir, DirMode)
		if errors.Is(err, fs.ErrExist) {
			continue // taken meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("create recording folder: %w", err)
		}
		return create(dir, m, now)
	}
}

func create(dir string, m Meeting, now time.Time) (*Folder, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	loc := m.Location()
	f := &Folder{
		Path: dir,
		Root: root,
		Manifest: Manifest{
			Generator:          "samvad",
			Meeting:            m,
			RecordingStartedAt: now.In(loc).Format(TimeFormat),
		},
		segNext: map[string]int{},
	}
	if err := f.WriteManifest(); err != nil {
		root.Close()
		return nil, err
	}
	if f.Events, err = openEvents(root, f.Manifest.StartedAt(), loc); err != nil {
		root.Close()
		return nil, err
	}
	return f, nil
}

var errFinished = errors.New("recording finished")

func continueFolder(dir string, now time.Time, within time.Duration) (*Folder, error) {
	man, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if man.RecordingEndedAt != "" {
		return nil, errFinished
	}
	last := man.StartedAt()
	if st, err := os.Stat(filepath.Join(dir, EventsFile)); err == nil && st.ModTime().After(last) {
		last = st.ModTime()
	}
	if now.Sub(last) > within {
		return nil, errFinished
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	f := &Folder{Path: dir, Root: root, Manifest: *man, Continued: true, segNext: map[string]int{}}
	if f.Events, err = openEvents(root, man.StartedAt(), man.Meeting.Location()); err != nil {
		root.Close()
		return nil, err
	}
	return f, nil
}

// OpenExisting opens a finished or unfinished folder for the report.
func OpenExisting(dir string) (*Folder, error) {
	man, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Folder{Path: dir, Root: root, Manifest: *man, segNext: map[string]int{}}, nil
}

func openEvents(root *os.Root, start time.Time, loc *time.Location) (*EventLog, error) {
	f, err := root.OpenFile(EventsFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, FileMode)
	if err != nil {
		return nil, fmt.Errorf("open event log: %w", err)
	}
	// A crash may have left a half-written last line: start on a fresh one.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		if last := lastByte(root); last != '\n' {
			f.Write([]byte("\n"))
		}
	}
	return &EventLog{f: f, start: start, loc: loc}, nil
}

func lastByte(root *os.Root) byte {
	f, err := root.Open(EventsFile)
	if err != nil {
		return '\n'
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return '\n'
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, st.Size()-1); err != nil {
		return '\n'
	}
	return b[0]
}

// Start is recording_started_at: offset 0 of every audio file.
func (f *Folder) Start() time.Time { return f.Manifest.StartedAt() }

// NextSegment returns the path of a room's next segment file,
// segments/<room>/NNNN.ogg, numbered after any already in the folder so a
// restarted bot never overwrites.
func (f *Folder) NextSegment(room string) (string, error) {
	if !ValidRoomID(room) {
		return "", fmt.Errorf("room id %q is not safe as a file name", room)
	}
	n, ok := f.segNext[room]
	if !ok {
		n = 1
		// Every name counts, files or not: a number taken by anything
		// cannot be created again.
		for _, s := range f.segmentNames(room, false) {
			if k := segmentNumber(s); k >= n {
				n = k + 1
			}
		}
	}
	f.segNext[room] = n + 1
	return path.Join(SegmentsDir, room, fmt.Sprintf("%04d.ogg", n)), nil
}

// Segments lists a room's segment files, in order: regular files only (a
// FIFO or a device put there would block or feed whoever reads it).
func (f *Folder) Segments(room string) []string { return f.segmentNames(room, true) }

func (f *Folder) segmentNames(room string, regularOnly bool) []string {
	entries, err := fs.ReadDir(f.Root.FS(), path.Join(SegmentsDir, room))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if regularOnly && !e.Type().IsRegular() {
			continue
		}
		if !e.IsDir() && segmentNumber(e.Name()) > 0 {
			out = append(out, path.Join(SegmentsDir, room, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// SegmentRooms lists the rooms that have a segments folder.
func (f *Folder) SegmentRooms() []string {
	entries, err := fs.ReadDir(f.Root.FS(), SegmentsDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && ValidRoomID(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func segmentNumber(name string) int {
	base := path.Base(name)
	if !strings.HasSuffix(base, ".ogg") {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(base, ".ogg"))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// WriteManifest writes meeting.json atomically: a reader sees the old or
// the new one, never half of either.
func (f *Folder) WriteManifest() error {
	data, err := json.MarshalIndent(f.Manifest, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return WriteFileAtomic(f.Root, ManifestFile, append(data, '\n'))
}

// WriteFileAtomic writes name in root through a temporary file and a
// rename, synced, so that a crash leaves the old file or the new one. When
// the old file is in use (Windows), the error wraps ErrFileInUse and the
// new content stays in name+".tmp".
func WriteFileAtomic(root *os.Root, name string, data []byte) error {
	return writeFileAtomic(root, name, data, newReplacer(root))
}

func writeFileAtomic(root *os.Root, name string, data []byte, r replacer) error {
	tmp := name + ".tmp"
	w, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, FileMode)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		root.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := w.Sync(); err != nil {
		w.Close()
		root.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := r.replace(tmp, name); err != nil {
		if !errors.Is(err, ErrFileInUse) {
			root.Remove(tmp)
		}
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Close closes the event log and the folder.
func (f *Folder) Close() error {
	var err error
	if f.Events != nil {
		err = f.Events.Close()
	}
	return errors.Join(err, f.Root.Close())
}
