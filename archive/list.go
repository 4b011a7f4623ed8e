package archive

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// Recording is one entry of GET /api/recordings.
type Recording struct {
	// ID is the folder's name under recording.dir.
	ID      string  `json:"id"`
	Meeting Meeting `json:"meeting"`
	// State is "recording" while the recorder writes it, "finished" once
	// it ended.
	State              string  `json:"state"`
	RecordingStartedAt string  `json:"recording_started_at"`
	RecordingEndedAt   string  `json:"recording_ended_at,omitempty"`
	DurationS          float64 `json:"duration_s"`
	// Minutes is set once the report has been built.
	Minutes bool  `json:"minutes"`
	Rooms   Rooms `json:"rooms"`
	// Files are the folder's files for people: minutes, attendance, mix,
	// rooms, manifest, events (not the live segments, which the zip has).
	Files []File `json:"files"`
	// Zip is the URL of the whole folder as a zip, once finished.
	Zip string `json:"zip,omitempty"`
	// Handoff is the last outcome of each part of the hand-off.
	Handoff []Handoff `json:"handoff,omitempty"`
}

// Meeting is the meeting as the folder's meeting.json names it.
type Meeting struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	TitleHi  string    `json:"title_hi,omitempty"`
	StartsAt time.Time `json:"starts_at"`
}

// Rooms counts the configured rooms and, once the minutes are built,
// those that attended (from attendance.csv).
type Rooms struct {
	Expected int  `json:"expected"`
	Attended *int `json:"attended"`
}

// File is one file of a folder, with its URL.
type File struct {
	Path string `json:"path"`
	// Kind: minutes, minutes_md, attendance, mix, room, manifest, events.
	Kind string `json:"kind"`
	// Room, Name and NameHi name a room file's room.
	Room   string `json:"room,omitempty"`
	Name   string `json:"name,omitempty"`
	NameHi string `json:"name_hi,omitempty"`
	Bytes  int64  `json:"bytes"`
	// SHA256 is meeting.json's, for the audio files.
	SHA256 string `json:"sha256,omitempty"`
	URL    string `json:"url"`
}

// Handoff is how a part of recording.on_finished last ended.
type Handoff struct {
	Target string    `json:"target"`
	OK     bool      `json:"ok"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// folderName keeps an id usable in a URL path and safe on disk: what
// recording.Open makes (date, meeting id, -N), and nothing with a dot
// first or a separator in it.
var folderName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func (s *Server) serveList(w http.ResponseWriter, r *http.Request) {
	role := s.authorize(w, r, true)
	if role == "" {
		return
	}
	list, err := s.list()
	if err != nil {
		s.log.Error("recordings: list", "dir", s.dir, "err", err)
		s.refuse(w, http.StatusInternalServerError, true, "list_failed", "The recordings folder cannot be read: see the server's log.",
			"रिकॉर्डिंग फ़ोल्डर पढ़ा नहीं जा सका: सर्वर का लॉग देखें।")
		return
	}
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	s.setPass(w, r, role)
	writeJSON(w, http.StatusOK, list)
}

// list reads every recording folder under the recordings folder.
func (s *Server) list() ([]Recording, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Recording{}, nil // nothing recorded yet
	}
	if err != nil {
		return nil, err
	}
	out := []Recording{}
	for _, e := range entries {
		if !e.IsDir() || !folderName.MatchString(e.Name()) {
			continue
		}
		rec, err := s.describe(e.Name())
		if err != nil {
			if !errors.Is(err, recording.ErrNotRecording) {
				s.log.Warn("recordings: a folder cannot be read", "id", e.Name(), "err", err)
			}
			continue
		}
		out = append(out, *rec)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RecordingStartedAt > out[j].RecordingStartedAt })
	return out, nil
}

// describe makes the list entry of folder id.
func (s *Server) describe(id string) (*Recording, error) {
	dir := filepath.Join(s.dir, id)
	man, err := recording.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	m := man.Meeting
	rec := &Recording{
		ID:                 id,
		Meeting:            Meeting{ID: m.ID, Title: m.Title, TitleHi: m.TitleHi, StartsAt: m.StartsAt},
		State:              "recording",
		RecordingStartedAt: man.RecordingStartedAt,
		RecordingEndedAt:   man.RecordingEndedAt,
		Rooms:              Rooms{Expected: len(m.Rooms)},
		Files:              []File{},
	}
	end := s.now()
	if !man.EndedAt().IsZero() {
		rec.State = "finished"
		end = man.EndedAt()
		rec.Zip = "/recordings/" + url.PathEscape(id) + ".zip"
	}
	rec.DurationS = max(0, end.Sub(man.StartedAt()).Round(time.Second).Seconds())

	sums := map[string]string{}
	for _, r := range man.Rooms {
		sums[r.Path] = r.SHA256
	}
	if man.Mix != nil {
		sums[man.Mix.Path] = man.Mix.SHA256
	}
	add := func(p, kind string) *File {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil || !st.Mode().IsRegular() {
			return nil
		}
		rec.Files = append(rec.Files, File{Path: p, Kind: kind, Bytes: st.Size(), SHA256: sums[p], URL: fileURL(id, p)})
		return &rec.Files[len(rec.Files)-1]
	}
	rec.Minutes = add(minutes.PageFile, "minutes") != nil
	add(minutes.MinutesFile, "minutes_md")
	add(minutes.AttendanceFile, "attendance")
	add(minutes.MixFile, "mix")
	for _, r := range m.Rooms {
		if f := add(path.Join(recording.RoomsDir, r.ID+".ogg"), "room"); f != nil {
			f.Room, f.Name, f.NameHi = r.ID, r.Name, r.NameHi
		}
	}
	// Guests: rooms the meeting file did not know, recorded all the same.
	for _, r := range man.Rooms {
		if _, known := m.Room(r.Room); !known {
			if f := add(r.Path, "room"); f != nil {
				f.Room, f.Name = r.Room, r.Room
			}
		}
	}
	add(recording.ManifestFile, "manifest")
	add(recording.EventsFile, "events")

	if rooms, err := attendance(dir); err == nil {
		rec.Rooms.Attended = &rooms
	}
	rec.Handoff = lastHandoffs(dir)
	return rec, nil
}

func fileURL(id, p string) string {
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = url.PathEscape(parts[i])
	}
	return "/recordings/" + url.PathEscape(id) + "/" + strings.Join(parts, "/")
}

// attendance counts the rooms attendance.csv says attended.
func attendance(dir string) (int, error) {
	f, err := os.Open(filepath.Join(dir, minutes.AttendanceFile))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := minutes.ReadAttendance(f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if r.Attended() {
			n++
		}
	}
	return n, nil
}

// handoffTail is how much of the end of events.jsonl is read for the
// hand-off's outcomes, which are appended last: a long meeting's log is
// megabytes, and the list is read often.
const handoffTail = 64 << 10

// lastHandoffs is the last outcome of each hand-off part, from the end of
// events.jsonl.
func lastHandoffs(dir string) []Handoff {
	f, err := os.Open(filepath.Join(dir, recording.EventsFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	from := max(0, st.Size()-handoffTail)
	data, err := io.ReadAll(io.NewSectionReader(f, from, st.Size()-from))
	if err != nil {
		return nil
	}
	if from > 0 {
		// The first line read is probably a part of one.
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	last := map[string]Handoff{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), handoffTail)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"handoff_`)) {
			continue
		}
		var e recording.Event
		if json.Unmarshal(line, &e) != nil || e.Target == "" ||
			(e.Event != recording.EventHandoffDone && e.Event != recording.EventHandoffFailed) {
			continue
		}
		if _, seen := last[e.Target]; !seen {
			order = append(order, e.Target)
		}
		last[e.Target] = Handoff{Target: e.Target, OK: e.Event == recording.EventHandoffDone, At: e.At, Reason: e.Reason}
	}
	var out []Handoff
	for _, t := range order {
		out = append(out, last[t])
	}
	return out
}
