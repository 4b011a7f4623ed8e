package recording

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/samvad/samvad/meeting"
)

// Meeting is the manifest's snapshot of the meeting file: everything but
// tokens.
type Meeting struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	TitleHi  string    `json:"title_hi,omitempty"`
	StartsAt time.Time `json:"starts_at"`
	// LateAfter: a first join later than this after StartsAt is late.
	LateAfter meeting.Duration `json:"late_after"`
	// LeftEarlyBefore: gone this long before the end is "left early"; 0
	// (absent) means meeting.DefaultLeftEarlyBefore.
	LeftEarlyBefore meeting.Duration `json:"left_early_before,omitempty"`
	// Media is the engine that carried the audio: "samvad" or "livekit"
	// (empty in folders from before it was written).
	Media string `json:"media,omitempty"`
	Rooms []Room `json:"rooms"`
}

// Room is a configured room in the snapshot.
type Room struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	NameHi   string `json:"name_hi,omitempty"`
	Location string `json:"location,omitempty"`
}

// Location is the meeting's time zone: the offset of starts_at.
func (m Meeting) Location() *time.Location {
	if m.StartsAt.IsZero() {
		return time.UTC
	}
	return m.StartsAt.Location()
}

// Room returns the configured room with id.
func (m Meeting) Room(id string) (Room, bool) {
	for _, r := range m.Rooms {
		if r.ID == id {
			return r, true
		}
	}
	return Room{}, false
}

// Manifest is meeting.json.
type Manifest struct {
	Generator          string  `json:"generator"`
	Meeting            Meeting `json:"meeting"`
	RecordingStartedAt string  `json:"recording_started_at"`
	RecordingEndedAt   string  `json:"recording_ended_at,omitempty"`
	// Rooms and Segments are filled in by the report.
	Rooms    []RoomFile    `json:"rooms,omitempty"`
	Segments []SegmentFile `json:"segments,omitempty"`
	Mix      *AudioFile    `json:"mix,omitempty"`
	// NoMix is set when the meeting file turned the mix off
	// (recording.mix: false).
	NoMix bool `json:"no_mix,omitempty"`
	// MixIncomplete is set by the bot when its live mix lacks audio that
	// reached it too late, so the report rebuilds mix.ogg.
	MixIncomplete bool `json:"mix_incomplete,omitempty"`
}

// RoomFile is a stitched rooms/<room>.ogg.
type RoomFile struct {
	Room string `json:"room"`
	AudioFile
	Segments int `json:"segments"`
}

// AudioFile is an audio file of the folder with its checksum.
type AudioFile struct {
	Path      string  `json:"path"`
	SHA256    string  `json:"sha256"`
	Bytes     int64   `json:"bytes"`
	DurationS float64 `json:"duration_s"`
}

// SegmentFile is one live segment with its wall-clock start.
type SegmentFile struct {
	Room string `json:"room"`
	AudioFile
	Start   string `json:"start"`
	Closed  bool   `json:"closed"`
	Damaged string `json:"damaged,omitempty"`
}

// StartedAt parses RecordingStartedAt.
func (m Manifest) StartedAt() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, m.RecordingStartedAt)
	return t
}

// EndedAt parses RecordingEndedAt; zero when the recording did not end
// cleanly.
func (m Manifest) EndedAt() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, m.RecordingEndedAt)
	return t
}

// ReadManifest reads dir/meeting.json.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("%s: %w (no %s)", dir, ErrNotRecording, ManifestFile)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.StartedAt().IsZero() {
		return nil, fmt.Errorf("%s: no recording_started_at", filepath.Join(dir, ManifestFile))
	}
	return &m, nil
}

// ValidRoomID reports whether id is safe as a file name on every system
// (a folder recorded on Linux is opened on Windows too): the meeting file's
// rule (meeting.ValidID), checked again because a bot may record a server
// it does not control.
func ValidRoomID(id string) bool { return meeting.ValidID(id) }
