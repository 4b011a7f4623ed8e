package simulate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/recording"
)

// RoomReport is one room of a simulated meeting as the simulator sent it
// and as the recorder wrote it.
type RoomReport struct {
	Room string
	// Sent: packets the simulator handed to the room's microphone.
	Sent int64
	// Counts: what the recorder's closed segments said they did.
	Counts
	// Segments closed, and segments opened but not (yet) closed.
	Segments, Open int
	// JoinStarted: when the room began to join (simulator); FirstAudio:
	// when its first packet reached the recorder (segment_opened).
	JoinStarted, FirstAudio time.Time
}

// Counts is what a recorder did with a room's packets: the statistics of
// its segments (capture.Stats, logged with segment_closed), added up.
type Counts struct {
	// Received: packets that reached the recorder (packets_received).
	Received int64
	// What the recorder did not write of what it received: late (after
	// their time was already written), invalid, dropped by the drift
	// correction, duplicates, padding, and an SFU's digital-silence
	// filler that came after its time.
	Late, Invalid, DriftDropped, Duplicates, Padding, Filler int64
	// Concealed: gaps filled with concealment frames; Drift: corrections
	// to follow the wall clock (silence added or frames dropped).
	Concealed, Drift int64
}

// countsOf is the part of one segment's statistics a report adds up.
func countsOf(st capture.Stats) Counts {
	return Counts{
		Received:     st.Received,
		Late:         st.LateDropped,
		Invalid:      st.InvalidDropped,
		DriftDropped: st.DriftDropped,
		Duplicates:   st.DuplicatesDropped,
		Padding:      st.PaddingDropped,
		Filler:       st.FillerDropped,
		Concealed:    st.FramesConcealed,
		Drift:        st.DriftCorrections,
	}
}

// add adds o to c.
func (c *Counts) add(o Counts) {
	c.Received += o.Received
	c.Late += o.Late
	c.Invalid += o.Invalid
	c.DriftDropped += o.DriftDropped
	c.Duplicates += o.Duplicates
	c.Padding += o.Padding
	c.Filler += o.Filler
	c.Concealed += o.Concealed
	c.Drift += o.Drift
}

// RecorderLoss is audio that reached the recorder but not its files
// (duplicates, padding and filler are not audio lost).
func (r RoomReport) RecorderLoss() int64 { return r.Late + r.Invalid + r.DriftDropped }

// JoinToAudio is how long the room took from starting to join to its first
// packet at the recorder; 0 if either is unknown.
func (r RoomReport) JoinToAudio() time.Duration {
	if r.JoinStarted.IsZero() || r.FirstAudio.IsZero() {
		return 0
	}
	return r.FirstAudio.Sub(r.JoinStarted)
}

// Report is a simulated meeting as its recording shows it.
type Report struct {
	Folder string
	Rooms  []RoomReport
}

// FindRecording is dir itself when it is a recording folder (it holds
// events.jsonl), or the recording folder in dir whose event log was
// written last.
func FindRecording(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "events.jsonl")); err == nil {
		return dir, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var best string
	var bestAt time.Time
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(dir, e.Name(), "events.jsonl"))
		if err == nil && st.ModTime().After(bestAt) {
			best, bestAt = filepath.Join(dir, e.Name()), st.ModTime()
		}
	}
	if best == "" {
		return "", fmt.Errorf("%s: no recording folder (no events.jsonl) in it", dir)
	}
	return best, nil
}

// ReadReport reads the recording in dir (see FindRecording) and sets it
// beside what the simulator sent. The recorder logs a segment's statistics
// when the room's track ends, a moment after the room leaves: ReadReport
// waits up to wait for every segment to be closed.
func ReadReport(dir string, sent []RoomStats, wait time.Duration) (*Report, error) {
	folder, err := FindRecording(dir)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		rep, err := readReport(folder, sent)
		if err != nil {
			return nil, err
		}
		open := 0
		for _, r := range rep.Rooms {
			open += r.Open
		}
		if open == 0 || time.Now().After(deadline) {
			return rep, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readReport(folder string, sent []RoomStats) (*Report, error) {
	f, err := os.Open(filepath.Join(folder, "events.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	events, _, err := recording.ReadEvents(f)
	if err != nil {
		return nil, err
	}
	rooms := map[string]*RoomReport{}
	var order []string
	room := func(id string) *RoomReport {
		r, ok := rooms[id]
		if !ok {
			r = &RoomReport{Room: id}
			rooms[id] = r
			order = append(order, id)
		}
		return r
	}
	for _, s := range sent {
		if s.Joins == 0 && s.Failures == 0 {
			continue
		}
		r := room(s.Room)
		r.Sent, r.JoinStarted = s.Sent, s.JoinStarted
	}
	for _, e := range events {
		switch e.Event {
		case recording.EventSegmentOpened:
			r := room(e.Room)
			r.Open++
			if r.FirstAudio.IsZero() {
				r.FirstAudio = e.At
			}
		case recording.EventSegmentClosed:
			r := room(e.Room)
			r.Open--
			r.Segments++
			var st capture.Stats
			if err := json.Unmarshal(e.Stats, &st); err != nil {
				return nil, fmt.Errorf("%s: segment_closed of %s: stats: %w", folder, e.Segment, err)
			}
			r.Counts.add(countsOf(st))
		}
	}
	if len(order) == 0 {
		return nil, errors.New(folder + ": nothing recorded")
	}
	rep := &Report{Folder: folder}
	for _, id := range order {
		rep.Rooms = append(rep.Rooms, *rooms[id])
	}
	return rep, nil
}

// Summary is the report's totals.
type Summary struct {
	Rooms, Recorded    int
	Sent, RecorderLoss int64
	// Counts: all rooms' counts added up.
	Counts
	OpenSegments         int
	JoinMedian, JoinMax  time.Duration
	FirstJoin, LastAudio time.Time
	SlowestRoom          string
}

// Summary adds the rooms up.
func (rep *Report) Summary() Summary {
	var s Summary
	var joins []time.Duration
	for _, r := range rep.Rooms {
		s.Rooms++
		if r.Segments > 0 || r.Open > 0 {
			s.Recorded++
		}
		s.Sent += r.Sent
		s.RecorderLoss += r.RecorderLoss()
		s.Counts.add(r.Counts)
		s.OpenSegments += r.Open
		if !r.JoinStarted.IsZero() && (s.FirstJoin.IsZero() || r.JoinStarted.Before(s.FirstJoin)) {
			s.FirstJoin = r.JoinStarted
		}
		if r.FirstAudio.After(s.LastAudio) {
			s.LastAudio = r.FirstAudio
		}
		if d := r.JoinToAudio(); d > 0 {
			joins = append(joins, d)
			if d > s.JoinMax {
				s.JoinMax, s.SlowestRoom = d, r.Room
			}
		}
	}
	if len(joins) > 0 {
		slices.Sort(joins)
		s.JoinMedian = joins[len(joins)/2]
	}
	return s
}
