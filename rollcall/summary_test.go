package rollcall

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/eventtest"
	"github.com/samvad/samvad/recording"
)

// The test meeting and its clock: package eventtest.
var (
	ist         = eventtest.IST
	at          = eventtest.At
	ev          = eventtest.Ev
	testMeeting = eventtest.Meeting
)

// want is the part of a RoomSummary a case checks; times are clocks.
type want struct {
	status     Status
	late, left bool
	first      string // "" for zero
	last       string
	atEnd      bool
	conns      []string // "14:00:00-14:10:00 dropped"
	turns      []string // "14:01:00-14:02:00"
	silent     []string // "14:01:00-14:02:00 no_packets"
	drops      int
	connected  time.Duration
	speaking   time.Duration
}

func got(r RoomSummary) want {
	clock := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(ist).Format("15:04:05.000")
	}
	w := want{status: r.Status, late: r.Late, left: r.LeftEarly, first: clock(r.FirstJoined), last: clock(r.LastLeft),
		atEnd: r.ConnectedAtEnd, drops: len(r.Drops), connected: r.Connected, speaking: r.Speaking}
	for _, c := range r.Connections {
		s := clock(c.Start) + "-" + clock(c.End)
		if c.Ended != "" {
			s += " " + c.Ended
		}
		w.conns = append(w.conns, s)
	}
	for _, t := range r.Turns {
		w.turns = append(w.turns, clock(t.Start)+"-"+clock(t.End))
	}
	for _, q := range r.Silent {
		w.silent = append(w.silent, clock(q.Start)+"-"+clock(q.End)+" "+q.Reason)
	}
	return w
}

func TestSummarize(t *testing.T) {
	start, end := at("13:58:00"), at("15:00:00")
	cases := []struct {
		name   string
		events []recording.Event
		want   want
	}{{
		name: "absent",
		want: want{status: StatusAbsent},
	}, {
		name:   "on time, connected at the end: no last_left",
		events: []recording.Event{ev("13:59:00.000", "joined", "a", "s1")},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true,
			conns: []string{"13:59:00.000-15:00:00.000"}, connected: 61 * time.Minute},
	}, {
		name:   "joined before the recording: first_joined as logged, time clipped",
		events: []recording.Event{ev("13:50:00.000", "joined", "a", "")},
		want: want{status: StatusPresent, first: "13:50:00.000", atEnd: true,
			conns: []string{"13:58:00.000-15:00:00.000"}, connected: 62 * time.Minute},
	}, {
		name:   "late by exactly late_after is not late",
		events: []recording.Event{ev("14:10:00.000", "joined", "a", "s1")},
		want: want{status: StatusPresent, first: "14:10:00.000", atEnd: true,
			conns: []string{"14:10:00.000-15:00:00.000"}, connected: 50 * time.Minute},
	}, {
		name:   "late",
		events: []recording.Event{ev("14:10:00.001", "joined", "a", "s1")},
		want: want{status: StatusLate, late: true, first: "14:10:00.001", atEnd: true,
			conns: []string{"14:10:00.001-15:00:00.000"}, connected: 50*time.Minute - time.Millisecond},
	}, {
		name:   "left exactly 5 minutes before the end is present",
		events: []recording.Event{ev("13:59:00.000", "joined", "a", "s1"), ev("14:55:00.000", "left", "a", "s1")},
		want: want{status: StatusPresent, first: "13:59:00.000", last: "14:55:00.000",
			conns: []string{"13:59:00.000-14:55:00.000 left"}, connected: 56 * time.Minute},
	}, {
		name:   "left early",
		events: []recording.Event{ev("13:59:00.000", "joined", "a", "s1"), ev("14:54:59.999", "left", "a", "s1")},
		want: want{status: StatusLeftEarly, left: true, first: "13:59:00.000", last: "14:54:59.999",
			conns: []string{"13:59:00.000-14:54:59.999 left"}, connected: 56*time.Minute - time.Millisecond},
	}, {
		name:   "late and left early: left_early wins",
		events: []recording.Event{ev("14:20:00.000", "joined", "a", "s1"), ev("14:30:00.000", "dropped", "a", "s1")},
		want: want{status: StatusLeftEarly, late: true, left: true, first: "14:20:00.000", last: "14:30:00.000",
			conns: []string{"14:20:00.000-14:30:00.000 dropped"}, drops: 1, connected: 10 * time.Minute},
	}, {
		name: "dropped and rejoined, connected at the end",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:20:00.000", "dropped", "a", "s1"),
			ev("14:21:00.000", "joined", "a", "s2"),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true,
			conns: []string{"13:59:00.000-14:20:00.000 dropped", "14:21:00.000-15:00:00.000"}, drops: 1, connected: 60 * time.Minute},
	}, {
		name: "replaced session: one connection, no drop; the old session's late drop is ignored",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:20:00.000", "replaced", "a", "s1"),
			ev("14:20:00.000", "joined", "a", "s2"), ev("14:20:00.500", "dropped", "a", "s1"),
			ev("14:40:00.000", "left", "a", "s2"),
		},
		want: want{status: StatusLeftEarly, left: true, first: "13:59:00.000", last: "14:40:00.000",
			conns: []string{"13:59:00.000-14:40:00.000 left"}, connected: 41 * time.Minute},
	}, {
		name: "left said twice counts once",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:58:00.000", "dropped", "a", "s1"), ev("14:58:01.000", "dropped", "a", ""),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", last: "14:58:00.000",
			conns: []string{"13:59:00.000-14:58:00.000 dropped"}, drops: 1, connected: 59 * time.Minute},
	}, {
		name:   "gone before the recorder came: attended, no time",
		events: []recording.Event{ev("13:40:00.000", "left", "a", "")},
		want:   want{status: StatusLeftEarly, left: true, last: "13:40:00.000"},
	}, {
		name: "joined again while connected (recorder restarted) continues the connection",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:30:00.000", "joined", "a", ""), ev("14:59:00.000", "left", "a", "s1"),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", last: "14:59:00.000",
			conns: []string{"13:59:00.000-14:59:00.000 left"}, connected: 60 * time.Minute},
	}, {
		name: "speaking turns, one open at the end",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"),
			ev("14:01:00.000", "speaking_started", "a", "s1"), ev("14:02:30.500", "speaking_stopped", "a", "s1"),
			ev("14:03:00.000", "speaking_started", "a", "s1"), ev("14:03:00.000", "speaking_started", "a", "s1"),
			ev("14:04:00.000", "speaking_stopped", "a", "s1"), ev("14:04:01.000", "speaking_stopped", "a", "s1"),
			ev("14:59:00.000", "speaking_started", "a", "s1"),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true, conns: []string{"13:59:00.000-15:00:00.000"},
			turns:     []string{"14:01:00.000-14:02:30.500", "14:03:00.000-14:04:00.000", "14:59:00.000-15:00:00.000"},
			connected: 61 * time.Minute, speaking: 90500*time.Millisecond + 2*time.Minute},
	}, {
		name: "dropped while speaking ends the turn; the late stop is ignored",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:01:00.000", "speaking_started", "a", "s1"),
			ev("14:02:00.000", "dropped", "a", "s1"), ev("14:02:00.004", "speaking_stopped", "a", "s1"),
			ev("14:03:00.000", "joined", "a", "s2"),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true,
			conns: []string{"13:59:00.000-14:02:00.000 dropped", "14:03:00.000-15:00:00.000"}, drops: 1,
			turns: []string{"14:01:00.000-14:02:00.000"}, connected: 60 * time.Minute, speaking: time.Minute},
	}, {
		name: "out of order by a few ms: speaking starts before the join is logged",
		events: []recording.Event{
			ev("14:05:00.003", "joined", "a", "s1"), ev("14:05:00.000", "speaking_started", "a", "s1"),
			ev("14:05:10.000", "speaking_stopped", "a", "s1"),
		},
		want: want{status: StatusPresent, first: "14:05:00.003", atEnd: true, conns: []string{"14:05:00.003-15:00:00.000"},
			turns:     []string{"14:05:00.000-14:05:10.000"},
			connected: 55*time.Minute - 3*time.Millisecond, speaking: 10 * time.Second},
	}, {
		name: "speaking after the room is gone is noise",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:10:00.000", "left", "a", "s1"),
			ev("14:10:00.020", "speaking_started", "a", "s1"),
		},
		want: want{status: StatusLeftEarly, left: true, first: "13:59:00.000", last: "14:10:00.000",
			conns: []string{"13:59:00.000-14:10:00.000 left"}, connected: 11 * time.Minute},
	}, {
		name: "muted, audio_stopped and replaced end turns",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"),
			ev("14:01:00.000", "speaking_started", "a", "s1"), ev("14:01:10.000", "muted", "a", "s1"),
			ev("14:02:00.000", "speaking_started", "a", "s1"), ev("14:02:10.000", "audio_stopped", "a", "s1"),
			ev("14:03:00.000", "speaking_started", "a", "s1"), ev("14:03:10.000", "replaced", "a", "s1"),
			ev("14:03:10.000", "joined", "a", "s2"),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true, conns: []string{"13:59:00.000-15:00:00.000"},
			turns:  []string{"14:01:00.000-14:01:10.000", "14:02:00.000-14:02:10.000", "14:03:00.000-14:03:10.000"},
			silent: []string{"14:02:10.000-14:03:00.000 "}, connected: 61 * time.Minute, speaking: 30 * time.Second},
	}, {
		name: "the recorder losing the meeting ends turns",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("14:01:00.000", "speaking_started", "a", "s1"),
			{At: at("14:01:05.000"), Event: "bot_disconnected"},
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true, conns: []string{"13:59:00.000-15:00:00.000"},
			turns: []string{"14:01:00.000-14:01:05.000"}, connected: 61 * time.Minute, speaking: 5 * time.Second},
	}, {
		name: "silent: until audio starts, until the connection ends, until the end",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"),
			{At: at("13:59:10.000"), Event: "audio_stopped", Room: "a", Reason: "no_packets"},
			{At: at("13:59:20.000"), Event: "audio_stopped", Room: "a", Reason: "muted"},
			ev("14:01:00.000", "audio_started", "a", "s1"),
			{At: at("14:10:00.000"), Event: "audio_stopped", Room: "a", Reason: "digital_silence"},
			ev("14:20:00.000", "dropped", "a", "s1"),
			ev("14:21:00.000", "joined", "a", "s2"),
			{At: at("14:21:10.000"), Event: "audio_stopped", Room: "a", Reason: "muted"},
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true,
			conns: []string{"13:59:00.000-14:20:00.000 dropped", "14:21:00.000-15:00:00.000"}, drops: 1,
			silent:    []string{"13:59:10.000-14:01:00.000 no_packets", "14:10:00.000-14:20:00.000 digital_silence", "14:21:10.000-15:00:00.000 muted"},
			connected: 60 * time.Minute},
	}, {
		name: "events after the end are not the meeting's",
		events: []recording.Event{
			ev("13:59:00.000", "joined", "a", "s1"), ev("15:00:00.001", "left", "a", "s1"),
		},
		want: want{status: StatusPresent, first: "13:59:00.000", atEnd: true,
			conns: []string{"13:59:00.000-15:00:00.000"}, connected: 61 * time.Minute},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(testMeeting(), start, end, c.events)
			if len(s.Rooms) != 2 || s.Rooms[0].ID != "a" || s.Rooms[1].Status != StatusAbsent {
				t.Fatalf("rooms: %+v", s.Rooms)
			}
			if g := got(s.Rooms[0]); !reflect.DeepEqual(g, c.want) {
				t.Errorf("got\n  %+v\nwant\n  %+v", g, c.want)
			}
		})
	}
}

func TestSummarizeUnconfiguredRoom(t *testing.T) {
	s := Summarize(testMeeting(), at("13:58:00"), at("15:00:00"), []recording.Event{
		ev("14:00:00", "joined", "zz", "s1"), ev("14:00:00", "joined", "c", "s2"),
	})
	var ids []string
	for _, r := range s.Rooms {
		ids = append(ids, fmt.Sprintf("%s:%v:%s", r.ID, r.Configured, r.Name))
	}
	if want := []string{"a:true:A", "b:true:B", "c:false:c", "zz:false:zz"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("rooms %v, want %v", ids, want)
	}
}

func TestSpeakingOrder(t *testing.T) {
	s := Summarize(testMeeting(), at("13:58:00"), at("15:00:00"), []recording.Event{
		ev("13:59:00", "joined", "a", ""), ev("13:59:00", "joined", "b", ""),
		ev("14:05:00", "speaking_started", "a", ""), ev("14:06:00", "speaking_stopped", "a", ""),
		ev("14:01:00", "speaking_started", "b", ""), ev("14:02:00", "speaking_stopped", "b", ""),
	})
	o := s.SpeakingOrder()
	if len(o) != 2 || o[0].ID != "b" || o[1].ID != "a" {
		t.Errorf("speaking order %v", o)
	}
}

func TestUnfinished(t *testing.T) {
	started := recording.Event{At: at("13:58:00"), Event: "recording_started"}
	stopped := recording.Event{At: at("15:00:00"), Event: "recording_stopped"}
	restarted := recording.Event{At: at("14:30:00"), Event: "bot_reconnected", Reason: "restarted"}
	rejoined := recording.Event{At: at("14:40:00"), Event: "bot_reconnected", Reason: "rejoined"}
	for _, c := range []struct {
		name   string
		events []recording.Event
		want   bool
	}{
		{"no events", nil, true},
		{"started, never stopped", []recording.Event{started}, true},
		{"stopped", []recording.Event{started, rejoined, stopped}, false},
		{"crashed, restarted, stopped", []recording.Event{started, restarted, stopped}, false},
		{"stopped, then a restarted recorder crashed", []recording.Event{started, {At: at("14:20:00"), Event: "recording_stopped"}, restarted}, true},
	} {
		if got := Summarize(testMeeting(), at("13:58:00"), at("15:00:00"), c.events).Unfinished; got != c.want {
			t.Errorf("%s: unfinished %v, want %v", c.name, got, c.want)
		}
	}
}
