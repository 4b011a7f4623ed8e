package simulate

import (
	"fmt"
	"sort"
	"time"

	"github.com/samvad/samvad/voice"
)

// actionKind is something a room does at a tick of its script.
type actionKind int

// The order is the order of actions due at the same tick: a room ends a
// turn before it drops, and rejoins before it speaks.
const (
	actSpeakOff actionKind = iota
	actPauseOff
	actLeave
	actDrop
	actJoin
	actRejoin
	actPauseOn
	actSpeakOn
)

// action is one step of a room's plan, at a tick (20 ms frame) of the
// script.
type action struct {
	tick int
	kind actionKind
	span Span // the turn, pause or drop it starts or ends
}

// plan is a room's script compiled to ticks: what the room's loop walks.
type plan struct {
	room    string
	late    bool
	silent  bool
	actions []action
	end     int // the tick at which a connected room leaves
}

func tickOf(d time.Duration) int { return int((d + voice.FrameDuration/2) / voice.FrameDuration) }

func (r Room) plan(duration time.Duration) plan {
	p := plan{room: r.ID, late: r.Late, silent: r.Silent, end: tickOf(duration)}
	if r.Absent {
		return p
	}
	add := func(at time.Duration, k actionKind, sp Span) {
		if t := tickOf(at); t < p.end {
			p.actions = append(p.actions, action{tick: t, kind: k, span: sp})
		}
	}
	add(r.Join, actJoin, Span{At: r.Join})
	for _, d := range r.Drops {
		add(d.At, actDrop, d)
		add(d.End(), actRejoin, d)
	}
	for _, sp := range r.Pauses {
		add(sp.At, actPauseOn, sp)
		add(sp.End(), actPauseOff, sp)
	}
	if !r.Silent {
		for _, sp := range r.Turns {
			add(sp.At, actSpeakOn, sp)
			add(sp.End(), actSpeakOff, sp)
		}
	}
	p.actions = append(p.actions, action{tick: p.end, kind: actLeave})
	sort.SliceStable(p.actions, func(i, j int) bool {
		a, b := p.actions[i], p.actions[j]
		if a.tick != b.tick {
			return a.tick < b.tick
		}
		return a.kind < b.kind
	})
	return p
}

// text is an action in words.
func (a action) text(p *plan) string {
	switch a.kind {
	case actJoin:
		what := "joins"
		if p.late {
			what = "joins late"
		}
		if p.silent {
			what += ", connected but sending only silence"
		}
		return what
	case actRejoin:
		return fmt.Sprintf("joins again after %s away", roundD(a.span.For))
	case actDrop:
		return fmt.Sprintf("loses its connection without a goodbye (back in %s)", roundD(a.span.For))
	case actPauseOn:
		return fmt.Sprintf("turns its microphone off for %s (nothing sent, RTP clock frozen)", roundD(a.span.For))
	case actPauseOff:
		return "turns its microphone back on"
	case actSpeakOn:
		return fmt.Sprintf("speaks for %.1fs", a.span.For.Seconds())
	case actSpeakOff:
		return "stops speaking"
	case actLeave:
		return "leaves"
	}
	return "?"
}

func (p plan) steps() []Step {
	var out []Step
	for _, a := range p.actions {
		if a.kind == actSpeakOff {
			continue // implied by "speaks for": keep the narration short
		}
		out = append(out, Step{At: time.Duration(a.tick) * voice.FrameDuration, Room: p.room, What: a.text(&p)})
	}
	return out
}

// roundD is a duration as people read it: tenths of a second.
func roundD(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
