package rollcall

import (
	"testing"
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// TestSilenceStampedWhenItBegan: a room's audio_stopped carries the time
// its sound ended, not the time the alarm noticed; a room silent from the
// start is silent from its join.
func TestSilenceStampedWhenItBegan(t *testing.T) {
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	m := recording.Meeting{ID: "m", StartsAt: t0, Rooms: []recording.Room{{ID: "dumka", Name: "Dumka"}, {ID: "pakur", Name: "Pakur"}}}
	var events []recording.Event
	rc := NewLive(m, 10*time.Second, func(e recording.Event) { events = append(events, e) })
	rc.Presence(Presence{Room: "dumka", Session: "a", Event: recording.EventJoined, At: t0})
	rc.Presence(Presence{Room: "pakur", Session: "b", Event: recording.EventJoined, At: t0.Add(time.Second)})
	for at := t0; at.Before(t0.Add(6 * time.Second)); at = at.Add(20 * time.Millisecond) {
		rc.Packet("dumka", "a", 30, at)
		rc.Packet("pakur", "b", silentLevel, at.Add(time.Second))
	}
	for at := t0.Add(6 * time.Second); at.Before(t0.Add(20 * time.Second)); at = at.Add(time.Second) {
		rc.Tick(at)
	}
	stopped := map[string]time.Time{}
	for _, e := range events {
		if e.Event == recording.EventAudioStopped {
			stopped[e.Room] = e.At
		}
	}
	if want := t0.Add(6*time.Second - 20*time.Millisecond); !stopped["dumka"].Equal(want) {
		t.Errorf("dumka's audio_stopped at %v, want %v (its last sound)", stopped["dumka"].Sub(t0), want.Sub(t0))
	}
	if want := t0.Add(time.Second); !stopped["pakur"].Equal(want) {
		t.Errorf("pakur's audio_stopped at %v, want %v (its join: it never sounded)", stopped["pakur"].Sub(t0), want.Sub(t0))
	}
}

// TestLateByInDays: a room joining long after the start (a meeting file
// reused without a new starts_at) is late by days, as the minutes say it,
// not by "26565h13m08s".
func TestLateByInDays(t *testing.T) {
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	m := recording.Meeting{ID: "m", StartsAt: t0, LateAfter: meeting.Duration(10 * time.Minute), Rooms: []recording.Room{{ID: "dumka", Name: "Dumka"}}}
	var events []recording.Event
	rc := NewLive(m, 10*time.Second, func(e recording.Event) { events = append(events, e) })
	at := t0.Add(26565*time.Hour + 13*time.Minute + 8*time.Second)
	rc.Presence(Presence{Room: "dumka", Session: "a", Event: recording.EventJoined, At: at})
	if len(events) != 1 || events[0].Text != "Dumka joined (late by 1106 days 21h13m)" || events[0].LateByMS != at.Sub(t0).Milliseconds() {
		t.Errorf("events %+v", events)
	}
}
