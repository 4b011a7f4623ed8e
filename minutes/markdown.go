package minutes

import (
	"fmt"
	"strings"
	"time"
)

// MinutesFile is the draft minutes, for the secretary to complete.
const MinutesFile = "minutes.md"

// notesLine is where the secretary writes what a room said.
const notesLine = "> _टिप्पणी / notes:_"

// files says which audio files exist beside the minutes, so that the
// minutes link only to what is there.
type files struct {
	Mix   bool            // mix.ogg
	Rooms map[string]bool // rooms/<room>.ogg, by room id
}

// minutesMD is the draft minutes, in Hindi and English: a header, the
// attendance, then one section per room that attended, in speaking order
// (by first turn; rooms that never spoke after, in meeting-file order),
// each with the times it spoke linked into mix.ogg and a notes line; then
// the absent rooms.
func minutesMD(s Summary, f files) []byte {
	var b strings.Builder
	loc := s.Loc()
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	title := Words{md(s.Meeting.TitleHi), md(s.Meeting.Title)}
	if title.En == "" {
		title.En = md(s.Meeting.ID)
	}
	if title.Hi != "" {
		p("# %s\n\n**%s**\n\n", title.Hi, title.En)
	} else {
		p("# %s\n\n", title.En)
	}
	zone := zoneName(loc, s.Start)
	if st := s.Meeting.StartsAt; !st.IsZero() {
		d, hm := longDate(st, loc), st.In(loc).Format("15:04")
		p("- **%s:** %s, %s / %s, %s (%s)\n", Words{"बैठक", "Meeting"}.Pair(), d.Hi, hm, d.En, hm, zoneName(loc, st))
	}
	rec, length := span(s.Start, s.End, loc), dur(s.End.Sub(s.Start))
	p("- **%s:** %s (%s) / %s (%s)\n", Words{"रिकॉर्डिंग", "Recording"}.Pair(), rec.Hi, length.Hi, rec.En, length.En)
	p("- **%s:** %s\n", Words{"समय", "Times"}.Pair(), Words{"सभी समय " + zone + " में", "all times are " + zone}.Pair())
	if s.Unfinished {
		end := clock(s.End, loc)
		p("- **%s:** %s\n", Words{"अधूरी रिकॉर्डिंग", "Cut short"}.Pair(), Words{
			"रिकॉर्डिंग " + end + " पर बीच में रुक गई (रिकॉर्डर उसे समाप्त किए बिना बंद हुआ); तब तक का सब कुछ यहाँ है",
			"the recording was cut short at " + end + " (the recorder stopped without ending it); everything up to then is here",
		}.Pair())
	}
	if f.Mix {
		p("- **%s:** [mix.ogg](mix.ogg): %s\n", Words{"ऑडियो", "Audio"}.Pair(),
			Words{"पूरी बैठक; हर कक्ष अलग से `rooms/` में", "the whole meeting; each room on its own in `rooms/`"}.Pair())
	} else {
		p("- **%s:** %s\n", Words{"ऑडियो", "Audio"}.Pair(), Words{"हर कक्ष अलग से `rooms/` में", "each room on its own in `rooms/`"}.Pair())
	}
	p("\n")

	p("## %s\n\n%s\n\n", Words{"उपस्थिति", "Attendance"}.Pair(), attendanceLine(s).Lines())
	var head []string
	for _, h := range []Words{{"कक्ष", "Room"}, {"स्थिति", "Status"}, {"पहली बार जुड़े", "First joined"}, {"आख़िरी बार गए", "Last left"},
		{"जुड़े रहे", "Connected"}, {"कनेक्शन टूटे", "Drops"}, {"बोले", "Spoke"}} {
		head = append(head, h.Pair())
	}
	p("| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", len(head)))
	for _, r := range s.Rooms {
		first, last := "", ""
		if !r.FirstJoined.IsZero() {
			first = clock(r.FirstJoined, loc)
		}
		switch {
		case r.ConnectedAtEnd:
			last = toTheEnd.Pair()
		case !r.LastLeft.IsZero():
			last = clock(r.LastLeft, loc)
		}
		spoke := ""
		if len(r.Turns) > 0 {
			spoke = fmt.Sprintf("%s (%s)", human(r.Speaking), turnsWords(len(r.Turns)).Pair())
		}
		connected, drops := "", ""
		if r.Attended() {
			connected, drops = human(r.Connected), fmt.Sprint(len(r.Drops))
		}
		p("| %s | %s | %s | %s | %s | %s | %s |\n", roomTitle(r), statusWords(r.Status).Pair(), first, last, connected, drops, spoke)
	}

	n := 0
	section := func(r RoomSummary) {
		n++
		p("\n## %d. %s\n\n", n, roomTitle(r))
		var about []string
		if r.Location != "" {
			about = append(about, "_"+md(r.Location)+"_")
		}
		if r.Kind != "" {
			about = append(about, md(kindWords(r.Kind).Pair()))
		}
		if !r.Configured {
			about = append(about, notInMeetingFile.Pair())
		}
		about = append(about, statusWords(r.Status).Pair())
		if r.Late && r.Status != StatusLate {
			about = append(about, statusWords(StatusLate).Pair())
		}
		if len(r.Drops) > 0 {
			about = append(about, dropsWords(len(r.Drops)).Pair())
		}
		p("%s\n\n", strings.Join(about, " · "))
		p("%s\n\n", connectionsLine(r, s, loc).Lines())
		if q := silenceLine(r, s, loc); q.En != "" {
			p("%s\n\n", q.Lines())
		}
		if len(r.Turns) == 0 {
			p("%s\n\n", Words{"नहीं बोले।", "Did not speak."}.Lines())
		} else {
			total := dur(r.Speaking)
			times := Words{fmt.Sprintf("%d बार", len(r.Turns)), fmt.Sprintf("%d times", len(r.Turns))}
			if len(r.Turns) == 1 {
				times = Words{"एक बार", "once"}
			}
			p("%s\n\n", Words{
				fmt.Sprintf("%s बोले, कुल %s:", times.Hi, total.Hi),
				fmt.Sprintf("Spoke %s, %s in all:", times.En, total.En),
			}.Lines())
			for _, t := range r.Turns {
				at := clock(t.Start, loc)
				if f.Mix {
					at = fmt.Sprintf("[%s](mix.ogg#t=%s)", at, seek(t.Start, s.Start))
				}
				p("- %s · %s\n", at, dur(t.Duration()).Pair())
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
		p("\n## %s\n\n", Words{"अनुपस्थित", "Absent"}.Pair())
		for _, r := range s.Rooms {
			if !r.Attended() {
				p("- %s\n", roomTitle(r))
			}
		}
	}
	return []byte(b.String())
}

// attendanceLine is "8 of 9 rooms attended: 5 present, 1 late, 2 left
// early; 1 absent.", and the same in Hindi.
func attendanceLine(s Summary) Words {
	var parts []Words
	for _, st := range statuses[:3] {
		if c := s.Count(st); c > 0 {
			w := statusWords(st)
			parts = append(parts, Words{fmt.Sprintf("%d %s", c, w.Hi), fmt.Sprintf("%d %s", c, w.En)})
		}
	}
	line := attendedWords(s.Attending(), len(s.Rooms))
	if len(parts) > 0 {
		j := joinWords(parts, ", ", ", ")
		line.Hi += ": " + j.Hi
		line.En += ": " + j.En
	}
	absent := s.Count(StatusAbsent)
	line.Hi += fmt.Sprintf("; %d %s।", absent, statusWords(StatusAbsent).Hi)
	line.En += fmt.Sprintf("; %d %s.", absent, statusWords(StatusAbsent).En)
	return line
}

// connectionsLine is "Connected 13:59:10–14:20:00 (dropped), 14:21:30 to
// the end." and says when a late room came.
func connectionsLine(r RoomSummary, s Summary, loc *time.Location) Words {
	var spans []Words
	for _, c := range r.Connections {
		from := Words{clock(c.Joined, loc), clock(c.Joined, loc)}
		if c.Joined.Before(s.Start) {
			from.Hi += " (" + beforeRecording.Hi + ")"
			from.En += " (" + beforeRecording.En + ")"
		}
		switch c.Ended {
		case "":
			spans = append(spans, Words{from.Hi + " से अंत तक", from.En + " to the end"})
		default:
			how := endedWords(c.Ended)
			to := clock(c.End, loc)
			spans = append(spans, Words{fmt.Sprintf("%s–%s (%s)", from.Hi, to, how.Hi), fmt.Sprintf("%s–%s (%s)", from.En, to, how.En)})
		}
	}
	var line Words
	if len(spans) == 0 {
		line = Words{"केवल रिकॉर्डिंग शुरू होने से पहले जुड़े थे", "Connected only before the recording started"}
		if !r.LastLeft.IsZero() {
			line.Hi += "; " + clock(r.LastLeft, loc) + " पर जा चुके थे"
			line.En += "; gone at " + clock(r.LastLeft, loc)
		}
	} else {
		j := joinWords(spans, ", ", ", ")
		line = Words{"जुड़े रहे: " + j.Hi, "Connected " + j.En}
	}
	if r.Late {
		late := dur(r.FirstJoined.Sub(s.Meeting.StartsAt))
		line.Hi += fmt.Sprintf("; पहली बार शुरुआत के %s बाद जुड़े", late.Hi)
		line.En += fmt.Sprintf("; first joined %s after the start", late.En)
	}
	line.Hi += "।"
	line.En += "."
	return line
}

// silenceLine says when no audio reached the recorder from a connected
// room; empty when it always did.
func silenceLine(r RoomSummary, s Summary, loc *time.Location) Words {
	if len(r.Silent) == 0 {
		return Words{}
	}
	var quiet []Words
	for _, q := range r.Silent {
		why := silenceWords(q.Reason)
		from := clock(q.Start, loc)
		if q.End.Equal(s.End) {
			quiet = append(quiet, Words{fmt.Sprintf("%s से अंत तक (%s)", from, why.Hi), fmt.Sprintf("%s to the end (%s)", from, why.En)})
			continue
		}
		to := clock(q.End, loc)
		quiet = append(quiet, Words{fmt.Sprintf("%s से %s तक (%s)", from, to, why.Hi), fmt.Sprintf("%s to %s (%s)", from, to, why.En)})
	}
	j := joinWords(quiet, ", ", ", ")
	return Words{"रिकॉर्डर तक कोई आवाज़ नहीं पहुँची: " + j.Hi + "।", "No audio reached the recorder " + j.En + "."}
}

// roomTitle is "रांची / Ranchi", escaped for Markdown.
func roomTitle(r RoomSummary) string {
	return Words{md(r.NameHi), md(r.Name)}.Pair()
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
