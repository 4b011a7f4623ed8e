package simulate

import (
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/meeting"
)

func loadConfig(t *testing.T, name string) *meeting.File {
	t.Helper()
	f, err := meeting.Load("../configs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func autoOptions(d time.Duration) Options {
	return Options{Duration: d, Late: Auto, Silent: Auto, Pause: Auto, Drop: Auto, Absent: []string{Auto},
		PauseFor: d / 5, Loss: 0.02, Jitter: 100 * time.Millisecond}
}

func TestBuildLaysOutAMeeting(t *testing.T) {
	f := loadConfig(t, "demo.yaml")
	const D = 30 * time.Second
	s, err := Build(f, autoOptions(D))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rooms) != len(f.Rooms) {
		t.Fatalf("%d rooms in the script, %d in the file", len(s.Rooms), len(f.Rooms))
	}
	count := map[string]int{}
	var chairTurns int
	for _, r := range s.Rooms {
		switch {
		case r.Absent:
			count["absent"]++
			if len(r.Turns) > 0 {
				t.Errorf("%s: absent but speaks", r.ID)
			}
			continue
		case r.Late:
			count["late"]++
			if r.Join < D/4 {
				t.Errorf("%s: late, but joins at %v", r.ID, r.Join)
			}
		case r.Join > D/10:
			t.Errorf("%s joins at %v, not in the first moments", r.ID, r.Join)
		}
		if r.Silent {
			count["silent"]++
			if len(r.Turns) > 0 {
				t.Errorf("%s: silent but has turns", r.ID)
			}
		}
		count["pause"] += len(r.Pauses)
		count["drop"] += len(r.Drops)
		if r.ID == "host" {
			chairTurns = len(r.Turns)
			continue
		}
		if !r.Silent && len(r.Turns) != 1 {
			t.Errorf("%s: %d turns, want one report", r.ID, len(r.Turns))
		}
		for _, turn := range r.Turns {
			if !r.canSpeak(turn) {
				t.Errorf("%s speaks at %v while it cannot (join %v, drops %v, pauses %v)", r.ID, turn, r.Join, r.Drops, r.Pauses)
			}
		}
		if r.Token == "" || r.Loss != 0.02 || r.Jitter != 100*time.Millisecond {
			t.Errorf("%s: token %q loss %v jitter %v", r.ID, r.Token, r.Loss, r.Jitter)
		}
	}
	for _, k := range []string{"absent", "late", "silent", "pause", "drop"} {
		if count[k] != 1 {
			t.Errorf("%d rooms %s, want 1", count[k], k)
		}
	}
	if chairTurns < 3 {
		t.Errorf("the host speaks %d times: want an opening, an interjection and a closing", chairTurns)
	}
	if r, _ := s.Room("ranchi"); r.Absent || r.Late || r.Silent || len(r.Pauses)+len(r.Drops) > 0 {
		t.Errorf("the first district should play clean: %+v", r)
	}
	steps := s.Steps()
	for _, st := range steps {
		t.Log(st)
	}
	for i := 1; i < len(steps); i++ {
		if steps[i].At < steps[i-1].At {
			t.Fatalf("steps out of order: %v then %v", steps[i-1], steps[i])
		}
	}
	if last := steps[len(steps)-1]; last.What != "leaves" || last.At != D {
		t.Errorf("last step %v", last)
	}
}

func TestBuildNamedPartsAndNone(t *testing.T) {
	f := loadConfig(t, "demo.yaml")
	s, err := Build(f, Options{Duration: 10 * time.Second, Rooms: []string{"host", "ranchi", "dumka"}, Late: "dumka"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rooms {
		inside := r.ID == "host" || r.ID == "ranchi" || r.ID == "dumka"
		if r.Absent == inside {
			t.Errorf("%s: absent %v", r.ID, r.Absent)
		}
		if r.Silent || len(r.Pauses) > 0 || len(r.Drops) > 0 || r.Late != (r.ID == "dumka") {
			t.Errorf("%s has a part nobody asked for: %+v", r.ID, r)
		}
	}
	s2, err := Build(f, Options{Rooms: []string{"host", "ranchi", "dumka", "dhanbad", "bokaro", "giridih", "palamu"}, Absent: []string{Auto}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s2.Rooms {
		if r.Absent != (r.ID == "central") {
			t.Errorf("with central left out, %s absent: %v", r.ID, r.Absent)
		}
	}
	if _, err := Build(f, Options{Rooms: []string{"host"}, Silent: "dumka"}); err == nil || !strings.Contains(err.Error(), "does not take part") {
		t.Errorf("a part for a room not taking part: %v", err)
	}
}

func TestBuildRefusesHashedTokens(t *testing.T) {
	f := loadConfig(t, "jmm-2023-11-21.yaml")
	_, err := Build(f, Options{Rooms: []string{"host", "dumka"}})
	if err == nil {
		t.Fatal("built a script with tokens nobody knows")
	}
	for _, want := range []string{`"host"`, `"dumka"`, "sha256", "Dumka"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"ranchi"`) {
		t.Errorf("error names a room that does not take part: %v", err)
	}
}

func TestParseRooms(t *testing.T) {
	f := loadConfig(t, "demo.yaml")
	if ids, err := ParseRooms(f, "3"); err != nil || strings.Join(ids, ",") != "host,central,ranchi" {
		t.Errorf("3: %v %v", ids, err)
	}
	if ids, err := ParseRooms(f, "dumka, ranchi"); err != nil || strings.Join(ids, ",") != "dumka,ranchi" {
		t.Errorf("list: %v %v", ids, err)
	}
	for _, bad := range []string{"0", "99", "ranchi,nowhere"} {
		if _, err := ParseRooms(f, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestBuildNeverSchedulesAMutedTurn: no room, chair included, is given a
// turn it cannot be heard in: before it joins, while its connection is
// down, or with its microphone off. A slot nobody can speak in stays
// silent.
func TestBuildNeverSchedulesAMutedTurn(t *testing.T) {
	f := loadConfig(t, "demo.yaml")
	for name, o := range map[string]Options{
		// The runner test's meeting: every district that could take the
		// first report is paused or dropped in it.
		"pause and drop": {Duration: 5 * time.Second, Absent: []string{"palamu"}, Silent: "bokaro", Pause: "ranchi", PauseFor: 1500 * time.Millisecond,
			Drop: "dumka", DropFor: time.Second, Rooms: []string{"host", "ranchi", "dumka", "bokaro", "palamu"}},
		"auto, short":  autoOptions(10 * time.Second),
		"auto":         autoOptions(2 * time.Minute),
		"chair paused": {Duration: time.Minute, Pause: "host", PauseFor: 40 * time.Second, Late: "ranchi", Drop: "dumka"},
		"chair late":   {Duration: time.Minute, Late: "host"},
	} {
		s, err := Build(f, o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		turns := 0
		for _, r := range s.Rooms {
			for _, sp := range r.Turns {
				turns++
				if !r.canSpeak(sp) {
					t.Errorf("%s: %s speaks %v+%v, but joins at %v, drops %v, pauses %v", name, r.ID, sp.At, sp.For, r.Join, r.Drops, r.Pauses)
				}
			}
		}
		if turns == 0 {
			t.Errorf("%s: nobody speaks", name)
		}
	}
}
