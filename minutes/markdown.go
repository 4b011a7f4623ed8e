package minutes

import (
	"fmt"
	"strings"
	"time"
)

// MinutesFile is the draft minutes, for the secretary to complete.
const MinutesFile = "minutes.md"

// notesLine is where the secretary writes what a room said.
const notesLine = "> _notes:_"

// files says which audio files exist beside the minutes, so that the
// minutes link only to what is there.
type files struct {
	Mix   bool            // mix.ogg
	Rooms map[string]bool // rooms/<room>.ogg, by room id
}

// minutesMD is the draft minutes: a header, the attendance, then one
// section per room that attended, in speaking order (by first turn; rooms
// that never spoke after, in meeting-file order), each with the times it
// spoke linked into mix.ogg and a notes line; then the absent rooms.
func minutesMD(s Summary, f files) []byte {
	var b strings.Builder
	loc := s.Loc()
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	p("# %s\n\n", md(s.Meeting.Title))
	if s.Meeting.TitleHi != "" {
		p("%s\n\n", md(s.Meeting.TitleHi))
	}
	if !s.Meeting.StartsAt.IsZero() {
		p("- **Meeting:** %s, %s, %s (%s)\n", md(s.Meeting.ID), longDate(s.Meeting.StartsAt, loc),
			s.Meeting.StartsAt.In(loc).Format("15:04"), zoneName(loc, s.Meeting.StartsAt))
	} else {
		p("- **Meeting:** %s\n", md(s.Meeting.ID))
	}
	p("- **Recording:** %s to %s (%s); all times are %s\n", clock(s.Start, loc), clock(s.End, loc),
		human(s.End.Sub(s.Start)), zoneName(loc, s.Start))
	if s.Unfinished {
		p("- **The recording was cut short** at %s (the recorder stopped without ending it); everything up to then is here\n", clock(s.End, loc))
	}
	if f.Mix {
		p("- **Audio:** [mix.ogg](mix.ogg), the whole meeting; each room on its own in `rooms/`\n")
	} else {
		p("- **Audio:** each room on its own in `rooms/`\n")
	}
	p("\n")

	p("## Attendance\n\n%s\n\n", attendanceLine(s))
	p("| Room | Hindi | Status | First joined | Last left | Connected | Drops | Spoke |\n")
	p("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range s.Rooms {
		first, last := "", ""
		if !r.FirstJoined.IsZero() {
			first = clock(r.FirstJoined, loc)
		}
		switch {
		case r.ConnectedAtEnd:
			last = "to the end"
		case !r.LastLeft.IsZero():
			last = clock(r.LastLeft, loc)
		}
		spoke := ""
		if len(r.Turns) > 0 {
			spoke = fmt.Sprintf("%s (%s)", human(r.Speaking), plural(len(r.Turns), "turn"))
		}
		connected, drops := "", ""
		if r.Attended() {
			connected, drops = human(r.Connected), fmt.Sprint(len(r.Drops))
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", md(r.Name), md(r.NameHi), r.Status.Words(), first, last, connected, drops, spoke)
	}

	n := 0
	section := func(r RoomSummary) {
		n++
		p("\n## %d. %s\n\n", n, md(roomTitle(r)))
		var about []string
		if r.Location != "" {
			about = append(about, "_"+md(r.Location)+"_")
		}
		if r.Kind != "" {
			about = append(about, md(r.Kind))
		}
		about = append(about, r.Status.Words())
		if r.Late && r.Status != StatusLate {
			about = append(about, "late")
		}
		if len(r.Drops) > 0 {
			about = append(about, plural(len(r.Drops), "drop"))
		}
		p("%s\n\n", strings.Join(about, " · "))
		p("%s\n", connectionsLine(r, s, loc))
		if len(r.Turns) == 0 {
			p("Did not speak.\n\n")
		} else {
			p("Spoke %s, %s in all:\n\n", times(len(r.Turns)), human(r.Speaking))
			for _, t := range r.Turns {
				at := clock(t.Start, loc)
				if f.Mix {
					at = fmt.Sprintf("[%s](mix.ogg#t=%d)", at, seek(t.Start, s.Start))
				}
				p("- %s for %s\n", at, human(t.Duration()))
			}
			p("\n")
		}
		p("%s\n", notesLine)
	}
	spoke := map[string]bool{}
	for _, r := range s.SpeakingOrder() {
		spoke[r.ID] = true
		section(r)
	}
	for _, r := range s.Rooms {
		if r.Attended() && !spoke[r.ID] {
			section(r)
		}
	}
	if s.Count(StatusAbsent) > 0 {
		p("\n## Absent\n\n")
		for _, r := range s.Rooms {
			if !r.Attended() {
				p("- %s\n", md(roomTitle(r)))
			}
		}
	}
	return []byte(b.String())
}

// attendanceLine is "6 of 8 rooms attended: 3 present, 1 late, 2 left
// early; 2 absent."
func attendanceLine(s Summary) string {
	var parts []string
	for _, st := range statuses[:3] {
		if c := s.Count(st); c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, st.Words()))
		}
	}
	line := fmt.Sprintf("%d of %d rooms attended", s.Attending(), len(s.Rooms))
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	return line + fmt.Sprintf("; %d absent.", s.Count(StatusAbsent))
}

// connectionsLine is "Connected 13:59:10–14:20:00 (dropped), 14:21:30 to
// the end." and says when a late room came.
func connectionsLine(r RoomSummary, s Summary, loc *time.Location) string {
	var spans []string
	for _, c := range r.Connections {
		from := clock(c.Joined, loc)
		if c.Joined.Before(s.Start) {
			from += " (before the recording)"
		}
		switch c.Ended {
		case "":
			spans = append(spans, from+" to the end")
		default:
			spans = append(spans, fmt.Sprintf("%s–%s (%s)", from, clock(c.End, loc), c.Ended))
		}
	}
	var line string
	if len(spans) == 0 {
		line = "Connected only before the recording started"
		if !r.LastLeft.IsZero() {
			line += "; gone at " + clock(r.LastLeft, loc)
		}
	} else {
		line = "Connected " + strings.Join(spans, ", ")
	}
	if r.Late {
		line += fmt.Sprintf("; first joined %s after the start", human(r.FirstJoined.Sub(s.Meeting.StartsAt)))
	}
	line += ".\n"
	if len(r.Silent) > 0 {
		var quiet []string
		for _, q := range r.Silent {
			to := clock(q.End, loc)
			if q.End.Equal(s.End) {
				to = "the end"
			}
			quiet = append(quiet, fmt.Sprintf("%s to %s (%s)", clock(q.Start, loc), to, silenceWords(q.Reason)))
		}
		line += "No audio reached the recorder " + strings.Join(quiet, ", ") + ".\n"
	}
	return line
}

// roomTitle is "Ranchi (रांची)".
func roomTitle(r RoomSummary) string {
	if r.NameHi == "" {
		return r.Name
	}
	return r.Name + " (" + r.NameHi + ")"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// md escapes text from the meeting file for Markdown: a room named
// "*Ranchi* | x" must print as written, not as emphasis and a table cell.
func md(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
