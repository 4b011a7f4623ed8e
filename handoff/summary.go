package handoff

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// Summary is the webhook's body: what a receiver needs to fetch, file or
// announce a finished recording without reading the folder.
type Summary struct {
	// Event is always "recording_finished".
	Event string `json:"event"`
	// ID is the folder's name: the recording's id on the recordings page,
	// in /api/recordings and in the bucket's keys.
	ID      string         `json:"id"`
	Meeting SummaryMeeting `json:"meeting"`
	// RecordingStartedAt and RecordingEndedAt are meeting.json's.
	RecordingStartedAt string  `json:"recording_started_at"`
	RecordingEndedAt   string  `json:"recording_ended_at"`
	DurationS          float64 `json:"duration_s"`
	Rooms              Rooms   `json:"rooms"`
	Files              []File  `json:"files"`
}

// SummaryMeeting is the meeting as its file names it.
type SummaryMeeting struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	TitleHi  string `json:"title_hi,omitempty"`
	StartsAt string `json:"starts_at"`
}

// Rooms is the roll call in numbers and ids, from attendance.csv.
type Rooms struct {
	Expected int `json:"expected"`
	Attended int `json:"attended"`
	// Present lists the rooms that attended; Absent those that did not.
	Present []string `json:"present"`
	Absent  []string `json:"absent"`
}

// Summarize makes the webhook's summary of a folder.
func Summarize(f *Folder) (*Summary, error) {
	m := f.Manifest
	s := &Summary{
		Event: "recording_finished",
		ID:    f.ID,
		Meeting: SummaryMeeting{ID: m.Meeting.ID, Title: m.Meeting.Title, TitleHi: m.Meeting.TitleHi,
			StartsAt: m.Meeting.StartsAt.Format(time.RFC3339)},
		RecordingStartedAt: m.RecordingStartedAt,
		RecordingEndedAt:   m.RecordingEndedAt,
		DurationS:          m.EndedAt().Sub(m.StartedAt()).Seconds(),
		Files:              f.Files,
	}
	rooms, err := Attendance(f.Dir, m)
	if err != nil {
		return nil, err
	}
	s.Rooms = rooms
	return s, nil
}

// Attendance counts the rooms that attended a finished recording, from
// its attendance.csv, against the rooms its meeting expected.
func Attendance(dir string, m *recording.Manifest) (Rooms, error) {
	r := Rooms{Expected: len(m.Meeting.Rooms), Present: []string{}, Absent: []string{}}
	file, err := os.Open(filepath.Join(dir, minutes.AttendanceFile))
	if errors.Is(err, fs.ErrNotExist) {
		return r, errors.Join(err, ErrNoMinutes)
	}
	if err != nil {
		return r, err
	}
	defer file.Close()
	rows, err := minutes.ReadAttendance(file)
	if err != nil {
		return r, err
	}
	for _, row := range rows {
		if row.Attended() {
			r.Present = append(r.Present, row.Room)
		} else {
			r.Absent = append(r.Absent, row.Room)
		}
	}
	r.Attended = len(r.Present)
	return r, nil
}

// ErrNoMinutes: the folder has no attendance.csv: its minutes were never
// built.
var ErrNoMinutes = errors.New("no minutes: run samvad report first")
