package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"
)

// Event names of events.jsonl.
const (
	EventRecordingStarted = "recording_started"
	EventRecordingStopped = "recording_stopped"
	EventJoined           = "joined"
	EventLeft             = "left"
	EventDropped          = "dropped"
	EventReplaced         = "replaced"
	EventMuted            = "muted"
	EventUnmuted          = "unmuted"
	EventAudioStarted     = "audio_started"
	EventAudioStopped     = "audio_stopped"
	EventSpeakingStarted  = "speaking_started"
	EventSpeakingStopped  = "speaking_stopped"
	EventSegmentOpened    = "segment_opened"
	EventSegmentClosed    = "segment_closed"
	// EventSegmentMoved: a segment's first packets came late, and its
	// start (At) is earlier than its segment_opened said. A segment is
	// placed by the earliest start logged for it.
	EventSegmentMoved    = "segment_moved"
	EventBotConnected    = "bot_connected"
	EventBotDisconnected = "bot_disconnected"
	EventBotReconnected  = "bot_reconnected"
	EventWriteError      = "write_error"
	// EventWriteRecovered: a file that could not be written (a full disk)
	// takes writes again, and what was held in memory is on it.
	EventWriteRecovered = "write_recovered"
	// EventHandoffDone and EventHandoffFailed are the outcome of one part
	// of recording.on_finished (Target: command, webhook or s3), appended
	// after the recording ended.
	EventHandoffDone   = "handoff_done"
	EventHandoffFailed = "handoff_failed"
)

// TimeFormat is RFC 3339 with milliseconds, as every "at" is written.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Event is one line of events.jsonl.
type Event struct {
	At       time.Time `json:"-"`
	OffsetMS int64     `json:"offset_ms"`
	Event    string    `json:"event"`
	Room     string    `json:"room,omitempty"`
	Session  string    `json:"session,omitempty"`
	// Segment is a segment's path in the folder, for segment events.
	Segment string `json:"segment,omitempty"`
	// LateByMS is how late a room's first join was, for joined.
	LateByMS int64 `json:"late_by_ms,omitempty"`
	// Reason says why, for audio_stopped ("no_packets", "digital_silence"),
	// bot_disconnected and write_error.
	Reason string `json:"reason,omitempty"`
	// Level is the RFC 6464 level (0 loud … 127 silent) at speaking_started.
	Level *int `json:"level,omitempty"`
	// Stats of a closed segment, or the details of a hand-off's outcome.
	Stats json.RawMessage `json:"stats,omitempty"`
	// Target is the part of the hand-off, for handoff_done and
	// handoff_failed: "command", "webhook" or "s3".
	Target string `json:"target,omitempty"`
	// Meeting is the meeting id, on recording_started.
	Meeting string `json:"meeting,omitempty"`
	// Name is how a room the meeting file does not know (a guest) calls
	// itself, on joined.
	Name string `json:"name,omitempty"`
	// Text is the readable line the bot logged for this event.
	Text string `json:"text,omitempty"`
}

type eventJSON struct {
	At string `json:"at"`
	*eventAlias
}

type eventAlias Event

// MarshalJSON writes "at" first, in TimeFormat.
func (e Event) MarshalJSON() ([]byte, error) {
	a := eventAlias(e)
	return json.Marshal(eventJSON{At: e.At.Format(TimeFormat), eventAlias: &a})
}

// UnmarshalJSON reads "at" in RFC 3339.
func (e *Event) UnmarshalJSON(b []byte) error {
	in := eventJSON{eventAlias: (*eventAlias)(e)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, in.At)
	if err != nil {
		return fmt.Errorf("at: %w", err)
	}
	e.At = t
	return nil
}

// EventLog appends events to events.jsonl, one JSON object a line, each
// synced to disk before Append returns: the log is the recording's story
// and must survive a crash line by line.
type EventLog struct {
	mu      sync.Mutex
	f       *os.File
	start   time.Time
	loc     *time.Location
	buf     bytes.Buffer
	pending [][]byte // lines not yet written because the disk refused them
	failed  error
}

// maxPending bounds the lines held while the disk refuses writes.
const maxPending = 100000

// Append writes e, setting its offset from the recording's start and its
// time zone to the meeting's. When the disk refuses (full, I/O error) the
// line is kept in memory, with every later one, and written when the disk
// takes writes again; the error is returned so the caller can report it.
func (l *EventLog) Append(e Event) error {
	return l.AppendBatch([]Event{e})
}

// AppendBatch is Append for several events, written with one write and one
// sync.
func (l *EventLog) AppendBatch(events []Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range events {
		e.At = e.At.In(l.loc)
		e.OffsetMS = e.At.Sub(l.start).Milliseconds()
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", e.Event, err)
		}
		if len(l.pending) >= maxPending {
			l.pending = l.pending[1:]
		}
		l.pending = append(l.pending, append(line, '\n'))
	}
	return l.flushLocked()
}

// Retry writes lines held back by an earlier failure.
func (l *EventLog) Retry() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked()
}

// Pending is how many lines wait for the disk.
func (l *EventLog) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

func (l *EventLog) flushLocked() error {
	if len(l.pending) == 0 {
		return nil
	}
	l.buf.Reset()
	for _, p := range l.pending {
		l.buf.Write(p)
	}
	n, err := l.f.Write(l.buf.Bytes())
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		// Keep whole lines only: drop what did reach the file.
		for n > 0 && len(l.pending) > 0 && n >= len(l.pending[0]) {
			n -= len(l.pending[0])
			l.pending = l.pending[1:]
		}
		if n > 0 {
			// A partial line reached the file: end it so the next line
			// starts clean; readers skip the broken one.
			l.f.Write([]byte("\n"))
		}
		l.failed = err
		return fmt.Errorf("write events.jsonl: %w", err)
	}
	l.pending = l.pending[:0]
	l.failed = nil
	return nil
}

// Close writes what it can and closes the file.
func (l *EventLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.flushLocked()
	return errors.Join(err, l.f.Close())
}

// ReadEvents reads an events.jsonl, skipping lines it cannot parse (a line
// half-written by a crash) and reporting them. Events are returned in time
// order.
func ReadEvents(r io.Reader) (events []Event, skipped []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil || e.Event == "" {
			skipped = append(skipped, fmt.Sprintf("line %d: %.60q", n, line))
			continue
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return events, skipped, fmt.Errorf("read events: %w", err)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
	return events, skipped, nil
}
