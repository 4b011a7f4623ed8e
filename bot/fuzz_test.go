package bot

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
)

// FuzzServerMessages feeds the bot what a hostile server could send: a
// welcome, then presence, errors and anything else, one JSON frame a line.
// Whatever comes, the bot must not panic, must refuse a welcome to another
// meeting, and must never put an id unsafe as a file name into its roll
// call or its events.
func FuzzServerMessages(f *testing.F) {
	welcome := `{"type":"welcome","meeting":{"id":"test","title":"T","starts_at":"2023-11-21T14:00:00+05:30","late_after":"10m"},` +
		`"roster":[{"room":"ranchi","name":"Ranchi","kind":"district","state":"connected","since":"2023-11-21T14:00:00.000+05:30"},{"room":"dumka","state":"dropped"}]}`
	for _, seed := range []string{
		welcome + "\n" + `{"type":"presence","event":"joined","room":"dumka","session":"s","at":"2023-11-21T14:01:00.000+05:30"}`,
		welcome + "\n" + `{"type":"presence","event":"left","room":"ranchi","session":"x"}` + "\n" + `{"type":"presence","event":"muted","room":"../x"}`,
		`{"type":"welcome","meeting":{"id":"x/../../escaped","starts_at":"2023-11-21T14:00:00Z"}}`,
		`{"type":"welcome"}`,
		`{"type":"welcome","meeting":null,"roster":null}`,
		welcome + "\n" + `{"type":"presence","event":"joined","room":"","session":"","at":"not a time"}`,
		welcome + "\n" + `{"type":"error","code":"x","message":"` + strings.Repeat("y", 300) + `"}`,
		`{"type":"welcome","meeting":{"id":"test","starts_at":"2023-11-21T14:00:00+05:30"},"roster":[{"room":"` + strings.Repeat("a", 60) + `","state":"connected"}]}`,
	} {
		f.Add(seed)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, in string) {
		frames := strings.Split(in, "\n")
		var w signaling.Message
		if json.Unmarshal([]byte(frames[0]), &w) != nil {
			return
		}
		src := &SamvadSource{Meeting: "test"}
		wel, err := src.welcome(w, log)
		if err != nil {
			return
		}
		if wel.Meeting == nil || wel.Meeting.ID != "test" {
			t.Fatalf("welcome to %+v accepted", wel.Meeting)
		}
		var events []recording.Event
		rc := newRollCall(*wel.Meeting, time.Now(), 10*time.Second, func(e recording.Event) { events = append(events, e) })
		rc.sync(wel.Rooms, time.Now())
		h := Handlers{Presence: rc.presence}
		for _, fr := range frames[1:] {
			var m signaling.Message
			if json.Unmarshal([]byte(fr), &m) != nil {
				continue
			}
			src.onMessage(m, h, log)
		}
		rc.tick(time.Now().Add(time.Minute))
		rc.end(time.Now().Add(time.Hour))
		for id := range rc.rooms {
			if !recording.ValidRoomID(id) {
				t.Fatalf("roll call holds unsafe id %q", id)
			}
		}
		for _, e := range events {
			if e.Room != "" && !recording.ValidRoomID(e.Room) {
				t.Fatalf("event %s for unsafe id %q", e.Event, e.Room)
			}
		}
		for _, r := range wel.Meeting.Rooms {
			if !recording.ValidRoomID(r.ID) {
				t.Fatalf("meeting.json would hold unsafe id %q", r.ID)
			}
		}
	})
}
