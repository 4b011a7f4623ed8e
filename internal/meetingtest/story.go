package meetingtest

import (
	"testing"

	"github.com/samvad/samvad/recording"
)

// Story is each room's events, by name, in the order events.jsonl holds
// them; the bot's own (no room) are under "bot".
type Story map[string][]string

// StoryOf groups events by room.
func StoryOf(events []recording.Event) Story {
	s := Story{}
	for _, e := range events {
		key := e.Room
		if key == "" {
			key = "bot"
		}
		s[key] = append(s[key], e.Event)
	}
	return s
}

// Expect fails t unless room's story holds want in that order (other
// events may come between).
func (s Story) Expect(t testing.TB, room string, want ...string) {
	t.Helper()
	i := 0
	for _, ev := range s[room] {
		if i < len(want) && ev == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("%s's story %v lacks %v in that order", room, s[room], want)
	}
}
