package minutes

import (
	"fmt"
	"time"
)

// The timeline is one SVG in user units; the page scales it to its width.
// A label column on the left, then the recording from start to end.
const (
	tlLabelW = 210.0
	tlPlotW  = 1000.0
	tlPadR   = 16.0
	tlAxisH  = 26.0
	tlLaneH  = 34.0
	tlMinW   = 1.5 // a turn narrower than this would not show (or click)
)

type timelineView struct {
	Width, Height float64
	PlotX, PlotW  float64
	AxisY         float64 // baseline of the tick labels
	Duration      float64 // seconds, for the playhead
	Ticks         []tickView
	Marks         []markView
	Lanes         []laneView
}

type tickView struct {
	X     float64
	Label string
}

// markView is a moment drawn across every lane: the meeting's start and the
// moment after which a join is late.
type markView struct {
	X     float64
	Label string
	Class string
}

type laneView struct {
	Y, Mid       float64
	NameY, HiY   float64 // baselines of the two label lines
	Name, NameHi string
	Status       Status
	Stripe       bool // every other lane shaded, to follow a lane by eye
	Conns        []spanView
	Turns        []turnView
	Drops        []dropView
	Silent       []spanView
}

type spanView struct {
	X, Y, W, H float64
	Title      string
}

// turnView is one speaking turn: in the timeline and in the lists.
type turnView struct {
	X, Y, W, H float64
	Seek       int64  // offset in mix.ogg, s
	Clock      string // wall-clock start
	Length     string
	Title      string
}

type dropView struct {
	X     float64
	Path  string // an X, so it reads without colour
	Title string
}

func timeline(s Summary) timelineView {
	loc := s.Loc()
	dur := s.End.Sub(s.Start)
	if dur <= 0 {
		dur = time.Second // nothing recorded: an empty but valid drawing
	}
	x := func(t time.Time) float64 {
		f := float64(t.Sub(s.Start)) / float64(dur)
		return tlLabelW + min(max(f, 0), 1)*tlPlotW
	}
	v := timelineView{
		Width: tlLabelW + tlPlotW + tlPadR, PlotX: tlLabelW, PlotW: tlPlotW,
		AxisY: tlAxisH - 9, Duration: dur.Seconds(),
	}
	v.Height = tlAxisH + float64(len(s.Rooms))*tlLaneH + 4
	for _, t := range ticks(s.Start, s.End, loc) {
		v.Ticks = append(v.Ticks, tickView{X: x(t), Label: t.In(loc).Format("15:04")})
	}
	if st := s.Meeting.StartsAt; !st.IsZero() {
		if !st.Before(s.Start) && !st.After(s.End) {
			v.Marks = append(v.Marks, markView{X: x(st), Label: "start " + clock(st, loc), Class: "mark-start"})
		}
		if late := st.Add(s.Meeting.LateAfterDuration()); late.After(st) && !late.Before(s.Start) && !late.After(s.End) {
			v.Marks = append(v.Marks, markView{X: x(late), Label: "late after " + clock(late, loc), Class: "mark-late"})
		}
	}
	for i, r := range s.Rooms {
		y := tlAxisH + float64(i)*tlLaneH
		l := laneView{Y: y, Mid: y + tlLaneH/2, NameY: y + 15, HiY: y + 29,
			Name: r.Name, NameHi: r.NameHi, Status: r.Status, Stripe: i%2 == 1}
		for _, c := range r.Connections {
			end := "to the end"
			if c.Ended != "" {
				end = "to " + clock(c.End, loc) + " (" + c.Ended + ")"
			}
			l.Conns = append(l.Conns, spanView{X: x(c.Start), Y: y + 7, W: x(c.End) - x(c.Start), H: tlLaneH - 14,
				Title: fmt.Sprintf("%s connected %s %s", r.Name, clock(c.Joined, loc), end)})
		}
		for _, q := range r.Silent {
			l.Silent = append(l.Silent, spanView{X: x(q.Start), Y: y + 7, W: x(q.End) - x(q.Start), H: tlLaneH - 14,
				Title: fmt.Sprintf("%s connected but %s from %s", r.Name, silenceWords(q.Reason), clock(q.Start, loc))})
		}
		for _, t := range r.Turns {
			tv := turn(r, t, s.Start, loc)
			tv.X, tv.W = x(t.Start), max(x(t.End)-x(t.Start), tlMinW)
			tv.Y, tv.H = y+11, tlLaneH-22
			l.Turns = append(l.Turns, tv)
		}
		for _, d := range r.Drops {
			if d.Before(s.Start) || d.After(s.End) {
				continue
			}
			dx, m := x(d), l.Mid
			l.Drops = append(l.Drops, dropView{X: dx,
				Path:  fmt.Sprintf("M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f", dx-5, m-5, dx+5, m+5, dx+5, m-5, dx-5, m+5),
				Title: fmt.Sprintf("%s dropped at %s", r.Name, clock(d, loc))})
		}
		v.Lanes = append(v.Lanes, l)
	}
	return v
}

// turn is a speaking turn as the page shows it.
func turn(r RoomSummary, t Span, start time.Time, loc *time.Location) turnView {
	return turnView{
		Seek: seek(t.Start, start), Clock: clock(t.Start, loc), Length: human(t.Duration()),
		Title: fmt.Sprintf("%s spoke at %s for %s", r.Name, clock(t.Start, loc), human(t.Duration())),
	}
}

// ticks are round wall-clock times in the meeting's zone between start and
// end, at most about a dozen.
func ticks(start, end time.Time, loc *time.Location) []time.Time {
	dur := end.Sub(start)
	step := 4 * time.Hour
	for _, s := range []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
		15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		if dur/s <= 12 {
			step = s
			break
		}
	}
	// Round up in the meeting's zone: its offset may be a half hour.
	_, off := start.In(loc).Zone()
	shift := time.Duration(off) * time.Second
	first := start.Add(shift).Truncate(step).Add(-shift)
	if first.Before(start) {
		first = first.Add(step)
	}
	var out []time.Time
	for t := first; !t.After(end); t = t.Add(step) {
		out = append(out, t)
	}
	return out
}
