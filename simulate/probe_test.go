package simulate

import (
	"slices"
	"testing"
	"time"

	"github.com/samvad/samvad/voice"
)

// TestProbeGivesEachRoomItsOwnSlot: probing rooms join one after another,
// each bursts first a second after its join, and no two rooms' bursts
// overlap anywhere in the meeting (the mix is measured too).
func TestProbeGivesEachRoomItsOwnSlot(t *testing.T) {
	f := loadConfig(t, "demo.yaml")
	const D = 40 * time.Second
	s, err := Build(f, Options{Duration: D, Probe: true, Late: Auto, Absent: []string{"none"}})
	if err != nil {
		t.Fatal(err)
	}
	type burst struct {
		at   time.Duration
		room string
	}
	var all []burst
	for _, r := range s.Rooms {
		if r.Absent {
			continue
		}
		p := r.Probe
		if p == nil {
			t.Fatalf("%s: no probe", r.ID)
		}
		if len(r.Turns) != 0 {
			t.Errorf("%s: speaks %v as well", r.ID, r.Turns)
		}
		if lead := p.First - r.Join; lead < probeLead || (!r.Late && lead != probeLead) {
			t.Errorf("%s: joins at %v, first burst at %v", r.ID, r.Join, p.First)
		}
		for at := p.First; at < D; at += p.Every {
			all = append(all, burst{at, r.ID})
		}
	}
	slices.SortFunc(all, func(a, b burst) int { return int(a.at - b.at) })
	for i := 1; i < len(all); i++ {
		if gap := all[i].at - all[i-1].at; gap < probeLen+60*time.Millisecond {
			t.Errorf("%s's burst at %v follows %s's at %v", all[i].room, all[i].at, all[i-1].room, all[i-1].at)
		}
	}
}

// TestDelayKeepsOrderButForTheReordered: packets on a delaying path arrive
// within the delay and in the order sent, except the reordered ones, which
// the next packet overtakes.
func TestDelayKeepsOrderButForTheReordered(t *testing.T) {
	im := newImpairment(Room{Seed: 7, Delay: 30 * time.Millisecond, Reorder: 0.05})
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	const n = 2000
	sentAt := map[uint16]time.Time{}
	var got []delayed
	for k := range n {
		now := t0.Add(time.Duration(k) * voice.FrameDuration)
		im.arrive(now, false, func(d delayed) { got = append(got, d) })
		im.send(now, uint16(k), uint32(k*voice.FrameSamples), voice.Packet{})
		sentAt[uint16(k)] = now
	}
	im.arrive(time.Time{}, true, func(d delayed) { got = append(got, d) })
	if len(got) != n {
		t.Fatalf("%d packets arrived, %d sent", len(got), n)
	}
	pos := map[uint16]int{}
	for i, d := range got {
		pos[d.seq] = i
	}
	reordered := 0
	var least time.Duration = time.Hour
	last := -1
	for _, d := range got {
		delay := d.due.Sub(sentAt[d.seq])
		least = min(least, delay)
		limit := 30*time.Millisecond + voice.FrameDuration // the queue behind a slow one
		if d.reorder {
			reordered++
			limit += voice.FrameDuration + 30*time.Millisecond + reorderSlack
			if next, ok := pos[d.seq+1]; ok && next > pos[d.seq] {
				t.Errorf("packet %d, reordered, came before %d", d.seq, d.seq+1)
			}
		} else {
			if int(d.seq) < last {
				t.Errorf("packet %d came after %d", d.seq, last)
			}
			last = int(d.seq)
		}
		if delay < 0 || delay > limit {
			t.Errorf("packet %d delayed %v", d.seq, delay)
		}
	}
	if reordered < n/40 || reordered > n/10 {
		t.Errorf("%d of %d reordered, want about 5%%", reordered, n)
	}
	if least > time.Millisecond {
		t.Errorf("least delay %v: the path's least delay should show", least)
	}
}
