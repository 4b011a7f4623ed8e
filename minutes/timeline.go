package minutes

import (
	"fmt"
	"time"

	"github.com/samvad/samvad/rollcall"
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
	Absent       Words // the label of an absent room's empty lane
	Stripe       bool  // every other lane shaded, to follow a lane by eye
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
	Seek       string // offset in mix.ogg, s (see seek)
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
	tks := ticks(s.Start, s.End, loc)
	layout := "15:04"
	for _, t := range tks {
		if t.Second() != 0 {
			layout = "15:04:05" // ticks seconds apart
		}
	}
	for _, t := range tks {
		v.Ticks = append(v.Ticks, tickView{X: x(t), Label: t.In(loc).Format(layout)})
	}
	if st := s.Meeting.StartsAt; !st.IsZero() {
		if !st.Before(s.Start) && !st.After(s.End) {
			at := clock(st, loc)
			v.Marks = append(v.Marks, markView{X: x(st), Label: tooltip(Words{"बैठक की शुरुआत " + at, "start " + at}), Class: "mark-start"})
		}
		if late := rollcall.RulesOf(s.Meeting).LateAt(); late.After(st) && !late.Before(s.Start) && !late.After(s.End) {
			at := clock(late, loc)
			v.Marks = append(v.Marks, markView{X: x(late), Label: tooltip(Words{at + " के बाद जुड़े तो देर से", "late after " + at}), Class: "mark-late"})
		}
	}
	for i, r := range s.Rooms {
		y := tlAxisH + float64(i)*tlLaneH
		// The first line names the room in Hindi, the second in English;
		// a room without a Hindi name has only the first.
		l := laneView{Y: y, Mid: y + tlLaneH/2, NameY: y + 15, HiY: y + 15,
			Name: r.Name, NameHi: r.NameHi, Status: r.Status, Stripe: i%2 == 1}
		if r.NameHi != "" {
			l.NameY = y + 29
		}
		if !r.Attended() {
			l.Absent = statusWords(StatusAbsent)
		}
		name := Words{r.NameHi, r.Name}
		if name.Hi == "" {
			name.Hi = r.Name
		}
		for _, c := range r.Connections {
			from := clock(c.Joined, loc)
			w := Words{fmt.Sprintf("%s %s से अंत तक जुड़े", name.Hi, from), fmt.Sprintf("%s connected %s to the end", name.En, from)}
			if c.Ended != "" {
				how, to := endedWords(c.Ended), clock(c.End, loc)
				w = Words{fmt.Sprintf("%s %s से %s तक जुड़े (%s)", name.Hi, from, to, how.Hi), fmt.Sprintf("%s connected %s to %s (%s)", name.En, from, to, how.En)}
			}
			l.Conns = append(l.Conns, spanView{X: x(c.Start), Y: y + 7, W: x(c.End) - x(c.Start), H: tlLaneH - 14, Title: tooltip(w)})
		}
		for _, q := range r.Silent {
			why, from := silenceWords(q.Reason), clock(q.Start, loc)
			l.Silent = append(l.Silent, spanView{X: x(q.Start), Y: y + 7, W: x(q.End) - x(q.Start), H: tlLaneH - 14,
				Title: tooltip(Words{fmt.Sprintf("%s जुड़े हैं पर %s से %s", name.Hi, from, why.Hi), fmt.Sprintf("%s connected but %s from %s", name.En, why.En, from)})})
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
				Title: tooltip(Words{fmt.Sprintf("%s का कनेक्शन %s पर टूटा", name.Hi, clock(d, loc)), fmt.Sprintf("%s dropped at %s", name.En, clock(d, loc))})})
		}
		v.Lanes = append(v.Lanes, l)
	}
	return v
}

// turn is a speaking turn as the page shows it.
func turn(r RoomSummary, t Span, start time.Time, loc *time.Location) turnView {
	name, at, d := Words{r.NameHi, r.Name}, clock(t.Start, loc), dur(t.Duration())
	if name.Hi == "" {
		name.Hi = r.Name
	}
	return turnView{
		Seek: seek(t.Start, start), Clock: at, Length: human(t.Duration()),
		Title: tooltip(Words{fmt.Sprintf("%s %s पर %s बोले", name.Hi, at, d.Hi), fmt.Sprintf("%s spoke at %s for %s", name.En, at, d.En)}),
	}
}

// tooltip is a title attribute or an SVG <title>, which cannot mark one
// language in a tag of its own: both, one after the other.
func tooltip(w Words) string { return w.Hi + " · " + w.En }

// ticks are round wall-clock times in the meeting's zone between start and
// end, at most about a dozen.
func ticks(start, end time.Time, loc *time.Location) []time.Time {
	dur := end.Sub(start)
	step := 4 * time.Hour
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
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
