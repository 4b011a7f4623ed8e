package simulate

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/voice"
)

// Span is a stretch of script time: from At (after the script's start) for
// For.
type Span struct {
	At, For time.Duration
}

// End is when the span is over.
func (s Span) End() time.Duration { return s.At + s.For }

func (s Span) overlaps(o Span) bool { return s.At < o.End() && o.At < s.End() }

// Script is what every room of a meeting does, as data: Build makes one
// from a meeting file, tests may write one by hand, and a Runner plays it.
type Script struct {
	// Meeting is the meeting id the rooms join.
	Meeting string
	// Duration is the script's length: every room still connected then
	// leaves.
	Duration time.Duration
	// Rooms are every configured room, absent ones included, in the
	// meeting file's order.
	Rooms []Room
}

// Room is one room's part.
type Room struct {
	ID, Name string
	// Token is the room's secret, as the room sends it in its join.
	Token string `json:"-"`

	// Absent rooms never join.
	Absent bool
	// Join is when the room first joins.
	Join time.Duration
	// Late marks a room that joins well after the others, for the
	// narration; Join says when.
	Late bool
	// Silent rooms are connected but send only digital silence (RFC 6464
	// level 127), like a microphone muted in the browser: they never speak.
	Silent bool
	// Listen: the room hears the meeting (the relay forwards audio to it,
	// which it reads and counts). Other rooms join with receive false, which
	// keeps a load test's cost on the relay's inbound side and the
	// recorder.
	Listen bool

	// Turns are when the room speaks its voice. Between turns it sends the
	// quiet noise of a room that listens.
	Turns []Span
	// Pauses are when its microphone is off (Chrome's replaceTrack(null)):
	// nothing is sent and the RTP clock does not move.
	Pauses []Span
	// Drops are when its connection is lost without a goodbye; it joins
	// again at the span's end.
	Drops []Span

	// Loss is the fraction of packets lost on the way (0..1).
	Loss float64
	// Jitter, when set, now and then holds the room's packets for up to
	// this long and then sends them at once, timestamps unchanged.
	Jitter time.Duration
	// Delay, when set, makes every packet take a random 0 to Delay on the
	// way, in order, as over a path with that much jitter.
	Delay time.Duration
	// Reorder is the fraction of packets that arrive after the next one.
	Reorder float64
	// Seed makes the room's loss and jitter reproducible.
	Seed uint64

	// Probe, when set, makes the room send tone bursts at known instants
	// instead of speaking, for a measurement of where a recording puts
	// them (Config.OnBurst tells when each was captured).
	Probe *Probe
}

// Probe is a room's schedule of tone bursts.
type Probe struct {
	// Freq of the room's tone, in Hz.
	Freq float64
	// First is the script time of the first burst, Every the time from
	// one to the next. A burst due while the room is away is not sent.
	First, Every time.Duration
}

// probeLen is how long a probe's burst lasts: short enough that the rooms'
// bursts follow each other in the mix without overlapping.
const probeLen = 160 * time.Millisecond

// MaxJitter bounds Room.Jitter: the held packets live in a fixed buffer.
const MaxJitter = holdFrames * voice.FrameDuration

// Validate checks that the script can be played.
func (s Script) Validate() error {
	var errs []error
	if s.Meeting == "" {
		errs = append(errs, errors.New("no meeting id"))
	}
	if s.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration %v: want more than 0", s.Duration))
	}
	seen := map[string]bool{}
	for i, r := range s.Rooms {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("room %d (%q): %s", i, r.ID, fmt.Sprintf(format, args...)))
		}
		if !meeting.ValidID(r.ID) {
			bad("not a valid room id")
		}
		if seen[r.ID] {
			bad("twice in the script")
		}
		seen[r.ID] = true
		if r.Absent {
			continue
		}
		if r.Token == "" {
			bad("no token")
		}
		if r.Join < 0 || r.Join >= s.Duration {
			bad("joins at %v, outside the script's %v", r.Join, s.Duration)
		}
		if r.Loss < 0 || r.Loss >= 1 {
			bad("loss %v: want 0 <= loss < 1", r.Loss)
		}
		if r.Jitter < 0 || r.Jitter > MaxJitter {
			bad("jitter %v: want 0 to %v", r.Jitter, MaxJitter)
		}
		if r.Delay < 0 || r.Delay > MaxDelay {
			bad("delay %v: want 0 to %v", r.Delay, MaxDelay)
		}
		if r.Reorder < 0 || r.Reorder >= 1 {
			bad("reorder %v: want 0 <= reorder < 1", r.Reorder)
		}
		if p := r.Probe; p != nil && (p.Freq <= 0 || p.Freq >= voice.SampleRate/2 || p.First < 0 || p.Every < 2*probeLen) {
			bad("probe %+v: want a frequency Opus carries, a first burst after the start, and bursts at least %v apart", *p, 2*probeLen)
		}
		for _, d := range r.Drops {
			if d.At < r.Join || d.For <= 0 {
				bad("drop %v for %v: must come after the join and last a while", d.At, d.For)
			}
		}
		for _, l := range [][]Span{r.Turns, r.Pauses, r.Drops} {
			for _, sp := range l {
				if sp.For < 0 || sp.At < 0 {
					bad("negative time in %v", sp)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Room returns the room with the given id.
func (s Script) Room(id string) (Room, bool) {
	for _, r := range s.Rooms {
		if r.ID == id {
			return r, true
		}
	}
	return Room{}, false
}

// Step is one moment of the script, in words, for the narration.
type Step struct {
	At   time.Duration
	Room string
	What string
}

func (s Step) String() string {
	return fmt.Sprintf("%6.1fs  %-12s %s", s.At.Seconds(), s.Room, s.What)
}

// Steps is the whole script as a readable, time-ordered list. Runner
// reports each as it plays it; this is the plan.
func (s Script) Steps() []Step {
	var out []Step
	for _, r := range s.Rooms {
		out = append(out, r.plan(s.Duration).steps()...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}
