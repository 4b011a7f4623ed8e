package minutes

import (
	"bytes"
	"embed"
	"html/template"
	"sort"
)

// PageFile is the minutes as one self-contained web page.
const PageFile = "minutes.html"

// The page's template, style and script are files of their own, embedded,
// and inlined into the page: a secretary opens minutes.html from a USB
// stick with no network, so nothing may be fetched.
//
//go:embed page/minutes.html.tmpl page/minutes.css page/minutes.js
var pageFiles embed.FS

var pageTemplate = template.Must(template.New("minutes.html.tmpl").ParseFS(pageFiles, "page/minutes.html.tmpl"))

var (
	pageCSS = template.CSS(mustRead("page/minutes.css"))
	pageJS  = template.JS(mustRead("page/minutes.js"))
)

func mustRead(name string) string {
	b, err := pageFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type pageView struct {
	Title, TitleHi, MeetingID string
	Date, StartsAt, Zone      string
	RecFrom, RecTo, RecLength string
	Unfinished                bool
	Mix                       bool
	Attending, Total          int
	Counts                    []countView
	Rooms                     []roomView
	Speakers                  []speakerView
	Silent                    []roomView // attended, never spoke
	Timeline                  timelineView
	CSS                       template.CSS
	JS                        template.JS
}

type countView struct {
	Status      Status
	Words, Mark string
	N           int
}

type roomView struct {
	ID, Name, NameHi, Kind, Location string
	Configured                       bool
	Status                           Status
	Words, Mark                      string
	FirstJoined, LastLeft            string
	Connected, Speaking              string
	Drops, Turns                     int
	File                             string // rooms/<id>.ogg when it exists
}

type speakerView struct {
	Name, NameHi string
	Speaking     string
	Bar          float64 // share of the longest speaker, 0..100
	Turns        []turnView
}

// minutesHTML renders the page.
func minutesHTML(s Summary, f files) ([]byte, error) {
	loc := s.Loc()
	v := pageView{
		Title: s.Meeting.Title, TitleHi: s.Meeting.TitleHi, MeetingID: s.Meeting.ID,
		RecFrom: clock(s.Start, loc), RecTo: clock(s.End, loc), RecLength: human(s.End.Sub(s.Start)),
		Zone: zoneName(loc, s.Start), Unfinished: s.Unfinished, Mix: f.Mix,
		Attending: s.Attending(), Total: len(s.Rooms),
		Timeline: timeline(s), CSS: pageCSS, JS: pageJS,
	}
	if st := s.Meeting.StartsAt; !st.IsZero() {
		v.Date, v.StartsAt = longDate(st, loc), st.In(loc).Format("15:04")
	}
	for _, st := range statuses {
		v.Counts = append(v.Counts, countView{Status: st, Words: st.Words(), Mark: st.Mark(), N: s.Count(st)})
	}
	for _, r := range s.Rooms {
		rv := roomView{
			ID: r.ID, Name: r.Name, NameHi: r.NameHi, Kind: r.Kind, Location: r.Location, Configured: r.Configured,
			Status: r.Status, Words: r.Status.Words(), Mark: r.Status.Mark(),
			FirstJoined: "—", LastLeft: "—", Connected: "—", Speaking: "—", Drops: len(r.Drops), Turns: len(r.Turns),
		}
		if !r.FirstJoined.IsZero() {
			rv.FirstJoined = clock(r.FirstJoined, loc)
		}
		switch {
		case r.ConnectedAtEnd:
			rv.LastLeft = "to the end"
		case !r.LastLeft.IsZero():
			rv.LastLeft = clock(r.LastLeft, loc)
		}
		if r.Attended() {
			rv.Connected = human(r.Connected)
		}
		if len(r.Turns) > 0 {
			rv.Speaking = human(r.Speaking)
		}
		if f.Rooms[r.ID] {
			rv.File = "rooms/" + r.ID + ".ogg"
		}
		v.Rooms = append(v.Rooms, rv)
		if r.Attended() && len(r.Turns) == 0 {
			v.Silent = append(v.Silent, rv)
		}
	}
	speakers := s.SpeakingOrder()
	sort.SliceStable(speakers, func(i, j int) bool { return speakers[i].Speaking > speakers[j].Speaking })
	for _, r := range speakers {
		sv := speakerView{Name: r.Name, NameHi: r.NameHi, Speaking: human(r.Speaking),
			Bar: 100 * float64(r.Speaking) / float64(speakers[0].Speaking)}
		for _, t := range r.Turns {
			sv.Turns = append(sv.Turns, turn(r, t, s.Start, loc))
		}
		v.Speakers = append(v.Speakers, sv)
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
