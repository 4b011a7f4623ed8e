package simulate

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samvad/samvad/meeting"
)

// Auto, as a room option, lets Build pick a district for the part.
const Auto = "auto"

// Options shape the meeting Build lays out. Each impairment that names a
// room may be Auto (Build picks a district) or "" (nobody).
type Options struct {
	// Rooms take part; nil means every room of the file. The other rooms
	// never join (they show as absent).
	Rooms []string
	// Duration of the script. Default 2 minutes.
	Duration time.Duration

	// Loss is the fraction of every room's packets lost on the way.
	Loss float64
	// Jitter: every room now and then holds its packets back for up to
	// this long (at most MaxJitter).
	Jitter time.Duration

	// Delay: every packet takes a random 0 to Delay on the way, in order
	// (at most MaxDelay); Reorder is the fraction that arrive after the
	// next one.
	Delay   time.Duration
	Reorder float64

	// Probe: the rooms send tone bursts, one room after another, instead
	// of speaking, and join one after another at the same pace; see
	// Room.Probe.
	Probe bool

	// Late joins a third of the way into the meeting.
	Late string
	// Absent never joins. Auto picks a district only when every room takes
	// part: otherwise the rooms left out are the absent ones.
	Absent []string
	// Silent is connected throughout but sends only digital silence.
	Silent string
	// Pause turns its microphone off for PauseFor, a quarter of the way in.
	Pause    string
	PauseFor time.Duration // default 15 s, longer than a recorder's 10 s silence alarm
	// Drop loses its connection halfway through and joins again after
	// DropFor.
	Drop    string
	DropFor time.Duration // default a twelfth of Duration, at least 2 s

	// Seed varies loss and jitter; the same seed plays the same script.
	Seed uint64

	// Listen is how many rooms hear the meeting, the host first and then
	// the others in the file's order; the rest only send. A negative value
	// means every room.
	Listen int
}

// Default option values.
const (
	DefaultDuration = 2 * time.Minute
	DefaultPauseFor = 15 * time.Second
)

// The meeting's shape, as fractions of its duration.
const (
	joinSpread   = 0.05 // every room is in within the first 5%
	openFrom     = 0.04 // the host opens...
	openTo       = 0.18
	reportsFrom  = 0.20 // ...the rooms report in turn...
	reportsTo    = 0.90
	closeFrom    = 0.91 // ...and the host closes
	closeTo      = 0.98
	lateAt       = 0.35
	pauseAt      = 0.25
	dropAt       = 0.50
	turnOverlap  = 0.15 // a turn runs into the next by this much of a slot: cross-talk
	interjectLen = 0.30 // the host speaks over the last part of every third report
)

// Build lays out a meeting for the rooms of f: every selected room joins
// in the first moments (the late one later), the host opens, the other
// rooms report one after another with some cross-talk, the host closes, and
// every room leaves at the end. Rooms that join need a known secret: a
// token given as {sha256: ...} cannot be used, and Build says which room
// has one.
func Build(f *meeting.File, o Options) (Script, error) {
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.Duration < 2*time.Second {
		return Script{}, fmt.Errorf("simulate: duration %v: want at least 2s", o.Duration)
	}
	if o.PauseFor == 0 {
		o.PauseFor = DefaultPauseFor
	}
	if o.DropFor == 0 {
		o.DropFor = max(2*time.Second, (o.Duration / 12).Round(100*time.Millisecond))
	}
	if o.Loss < 0 || o.Loss >= 1 {
		return Script{}, fmt.Errorf("simulate: loss %v: want 0 to 1", o.Loss)
	}
	if o.Jitter < 0 || o.Jitter > MaxJitter {
		return Script{}, fmt.Errorf("simulate: jitter %v: want 0 to %v", o.Jitter, MaxJitter)
	}
	if o.Delay < 0 || o.Delay > MaxDelay {
		return Script{}, fmt.Errorf("simulate: delay %v: want 0 to %v", o.Delay, MaxDelay)
	}
	if o.Reorder < 0 || o.Reorder >= 1 {
		return Script{}, fmt.Errorf("simulate: reorder %v: want 0 to 1", o.Reorder)
	}
	selected, err := selectRooms(f, o.Rooms)
	if err != nil {
		return Script{}, err
	}
	parts, err := assignParts(f, selected, o)
	if err != nil {
		return Script{}, err
	}

	D := o.Duration
	frac := func(x float64) time.Duration { return time.Duration(x * float64(D)) }
	s := Script{Meeting: f.Meeting.ID, Duration: D}
	var unknown []string // rooms that must join but whose secret is not known
	var joining []int
	for i, mr := range f.Rooms {
		r := Room{ID: mr.ID, Name: mr.Name, Absent: !selected[mr.ID] || slices.Contains(parts.absent, mr.ID), Seed: seedOf(o.Seed, mr.ID)}
		if !r.Absent {
			secret, ok := mr.Token.Secret()
			if !ok {
				unknown = append(unknown, fmt.Sprintf("%q (%s)", mr.ID, mr.Name))
			}
			r.Token = secret
			r.Loss, r.Jitter, r.Delay, r.Reorder = o.Loss, o.Jitter, o.Delay, o.Reorder
			joining = append(joining, i)
		}
		s.Rooms = append(s.Rooms, r)
	}
	listen := o.Listen
	if listen < 0 {
		listen = len(joining)
	}
	for _, i := range joining {
		if listen > 0 && f.Rooms[i].Kind == meeting.KindHost {
			s.Rooms[i].Listen = true
			listen--
		}
	}
	for _, i := range joining {
		if listen > 0 && !s.Rooms[i].Listen {
			s.Rooms[i].Listen = true
			listen--
		}
	}
	if len(unknown) > 0 {
		what := "room " + unknown[0] + " has its token"
		if len(unknown) > 1 {
			what = "rooms " + strings.Join(unknown, ", ") + " have their tokens"
		}
		return Script{}, fmt.Errorf("simulate: %s: %s as {sha256: ...}: the secret is not known, so a simulated room cannot join with it "+
			"(give tokens as {env: NAME} with the secrets from `samvad tokens`, leave such rooms out with --rooms, or use `samvad demo`, which mints its own)", f.Path, what)
	}

	// Joins: spread over the first moments, so the server is not hit by
	// every handshake in the same millisecond.
	for n, i := range joining {
		s.Rooms[i].Join = time.Duration(float64(n) / float64(len(joining)) * float64(frac(joinSpread)))
	}
	room := func(id string) *Room {
		for i := range s.Rooms {
			if s.Rooms[i].ID == id {
				return &s.Rooms[i]
			}
		}
		return nil
	}
	if r := room(parts.late); r != nil {
		r.Join, r.Late = frac(lateAt), true
	}
	if r := room(parts.silent); r != nil {
		r.Silent = true
	}
	if r := room(parts.pause); r != nil {
		r.Pauses = []Span{{At: frac(pauseAt), For: min(o.PauseFor, frac(reportsTo-pauseAt))}}
	}
	if r := room(parts.drop); r != nil {
		r.Drops = []Span{{At: frac(dropAt), For: min(o.DropFor, frac(reportsTo-dropAt))}}
	}

	if o.Probe {
		probe(s.Rooms, joining)
		return s, s.Validate()
	}

	// The chair opens and closes; everyone else who can speak reports.
	chair := -1
	var speakers []*Room
	for _, i := range joining {
		if f.Rooms[i].Kind == meeting.KindHost && chair < 0 {
			chair = i
		}
	}
	for _, i := range joining {
		if i == chair || s.Rooms[i].Silent {
			continue
		}
		if chair < 0 {
			chair = i // no host: the first room that speaks chairs
			continue
		}
		speakers = append(speakers, &s.Rooms[i])
	}
	if chair >= 0 {
		c := &s.Rooms[chair]
		c.speak(Span{At: frac(openFrom), For: frac(openTo - openFrom)})
		scheduleReports(c, speakers, frac(reportsFrom), frac(reportsTo))
		c.speak(Span{At: frac(closeFrom), For: frac(closeTo - closeFrom)})
	}
	return s, s.Validate()
}

// scheduleReports gives each speaker a slot between from and to, in order,
// but never one it cannot speak in (not yet joined, dropped or paused):
// such a room swaps with the next that can, and a slot no room left can
// speak in stays silent. Each turn runs a little into
// the next one, and the chair speaks over the end of every third.
func scheduleReports(chair *Room, speakers []*Room, from, to time.Duration) {
	if len(speakers) == 0 {
		return
	}
	slot := (to - from) / time.Duration(len(speakers))
	queue := slices.Clone(speakers)
	for n := range speakers {
		turn := Span{At: from + time.Duration(n)*slot, For: slot + time.Duration(turnOverlap*float64(slot))}
		pick := slices.IndexFunc(queue, func(r *Room) bool { return r.canSpeak(turn) })
		if pick < 0 {
			// Nobody left can speak for the whole slot (not joined yet,
			// dropped, microphone off): it stays silent rather than be
			// given to a room that could not be heard in it.
			continue
		}
		queue[pick].Turns = append(queue[pick].Turns, turn)
		queue = slices.Delete(queue, pick, pick+1)
		if chair != nil && n%3 == 2 {
			d := time.Duration(interjectLen * float64(slot))
			chair.speak(Span{At: turn.At + slot - d, For: d})
		}
	}
}

// speak gives the room a turn, if it can speak for all of it: the chair
// too may be late, drop or turn its microphone off.
func (r *Room) speak(sp Span) {
	if r.canSpeak(sp) {
		r.Turns = append(r.Turns, sp)
	}
}

// canSpeak reports whether the room is connected with its microphone on for
// the whole span.
func (r *Room) canSpeak(sp Span) bool {
	if r.Absent || r.Silent || sp.At < r.Join {
		return false
	}
	for _, l := range [][]Span{r.Drops, r.Pauses} {
		for _, x := range l {
			if x.overlaps(sp) {
				return false
			}
		}
	}
	return true
}

// selectRooms resolves Options.Rooms against the file.
func selectRooms(f *meeting.File, ids []string) (map[string]bool, error) {
	sel := map[string]bool{}
	if len(ids) == 0 {
		for _, r := range f.Rooms {
			sel[r.ID] = true
		}
		return sel, nil
	}
	for _, id := range ids {
		if _, ok := f.Room(id); !ok {
			return nil, fmt.Errorf("simulate: room %q is not in %s", id, f.Path)
		}
		sel[id] = true
	}
	return sel, nil
}

// ParseRooms reads a --rooms value: a number N (the file's first N rooms)
// or a comma-separated list of room ids. Empty means every room.
func ParseRooms(f *meeting.File, v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "all" {
		return nil, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 1 || n > len(f.Rooms) {
			return nil, fmt.Errorf("--rooms %d: the meeting has %d rooms", n, len(f.Rooms))
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = f.Rooms[i].ID
		}
		return ids, nil
	}
	var ids []string
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			if _, ok := f.Room(id); !ok {
				return nil, fmt.Errorf("--rooms: %q is not a room of %s", id, f.Path)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// parts are the rooms Build gave a special part.
type parts struct {
	late, silent, pause, drop string
	absent                    []string
}

// assignParts resolves the impairments' rooms: named ones must take part;
// Auto ones are districts from the end of the file, one part each, as long
// as there are districts to spare (the first district always plays clean).
// An Auto absent room is only picked when every room takes part.
func assignParts(f *meeting.File, selected map[string]bool, o Options) (parts, error) {
	var pool []string // districts not given a part by name, last first
	named := map[string]bool{}
	for _, id := range append([]string{o.Late, o.Silent, o.Pause, o.Drop}, o.Absent...) {
		named[id] = true
	}
	for i := len(f.Rooms) - 1; i >= 0; i-- {
		r := f.Rooms[i]
		if r.Kind == meeting.KindDistrict && selected[r.ID] && !named[r.ID] {
			pool = append(pool, r.ID)
		}
	}
	if len(pool) > 0 {
		pool = pool[:len(pool)-1] // keep one district clean
	}
	var errs []error
	resolve := func(what, v string) string {
		switch v {
		case "", "none":
			return ""
		case Auto:
			if len(pool) == 0 {
				return ""
			}
			id := pool[0]
			pool = pool[1:]
			return id
		}
		if _, ok := f.Room(v); !ok {
			errs = append(errs, fmt.Errorf("%s: %q is not a room of %s", what, v, f.Path))
		} else if !selected[v] {
			errs = append(errs, fmt.Errorf("%s: %q does not take part (see --rooms)", what, v))
		}
		return v
	}
	var p parts
	// Rooms left out of Options.Rooms are absent already: Auto adds none.
	someLeftOut := len(selected) < len(f.Rooms)
	// In order of what a demo most needs to show.
	for _, a := range o.Absent {
		if a == Auto && someLeftOut {
			continue
		}
		if id := resolve("absent", a); id != "" {
			p.absent = append(p.absent, id)
		}
	}
	p.late = resolve("late", o.Late)
	p.silent = resolve("silent", o.Silent)
	p.pause = resolve("pause", o.Pause)
	p.drop = resolve("drop", o.Drop)
	return p, errors.Join(errs...)
}

// seedOf gives every room its own reproducible randomness.
func seedOf(seed uint64, room string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(room))
	return seed ^ h.Sum64()
}
