package minutes

import (
	"bytes"
	"embed"
	"html/template"
	"sort"
	"strconv"
	"time"
)

// PageFile is the minutes as one self-contained web page.
const PageFile = "minutes.html"

// The page's template, style and script are files of their own, embedded,
// and inlined into the page: a secretary opens minutes.html from a USB
// stick with no network, so nothing may be fetched.
//
//go:embed page/minutes.html.tmpl page/minutes.css page/minutes.js
var pageFiles embed.FS

var pageTemplate = template.Must(template.New("minutes.html.tmpl").Funcs(template.FuncMap{
	// bi is a fixed text of the page in both languages: {{bi "सुनें" "Listen"}}.
	"bi": func(hi, en string) template.HTML { return Words{hi, en}.HTML() },
}).ParseFS(pageFiles, "page/minutes.html.tmpl"))

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
	Title, TitleHi     string
	StartsAt, Recorded Words // date and time of each
	Length             Words
	Zone               string
	Date               string // of the recording, 2006-01-02
	CutShort           Words  // empty unless the recording was cut short
	Mix                bool
	Attended           Words
	Counts             []countView
	Rooms              []roomView
	Speakers           []speakerView
	Silent             []roomView // attended, never spoke
	Timeline           timelineView
	Font               template.CSS
	CSS                template.CSS
	JS                 template.JS
}

type countView struct {
	Status Status
	Words  Words
	Mark   string
	N      int
}

type roomView struct {
	ID, Name, NameHi, Location string
	Kind                       Words
	Configured                 bool
	Status                     Status
	Words                      Words
	Mark                       string
	FirstJoined                string
	LastLeft                   Words
	Connected, Speaking, Drops string
	Turns                      int
	File                       string // rooms/<id>.ogg when it exists
}

type speakerView struct {
	Name, NameHi string
	Speaking     string
	Bar          float64 // share of the longest speaker, 0..100
	Turns        []turnView
}

// dash stands for "nothing to say" in the roll call's table.
const dash = "—"

// minutesHTML renders the page.
func minutesHTML(s Summary, f files) ([]byte, error) {
	loc := s.Loc()
	v := pageView{
		Title: s.Meeting.Title, TitleHi: s.Meeting.TitleHi,
		Recorded: span(s.Start, s.End, loc), Length: dur(s.End.Sub(s.Start)),
		Zone: zoneName(loc, s.Start), Date: s.Start.In(loc).Format(time.DateOnly), Mix: f.Mix,
		Attended: attendedWords(s.Attending(), len(s.Rooms)),
		Timeline: timeline(s), Font: fontFace, CSS: pageCSS, JS: pageJS,
	}
	if v.Title == "" {
		v.Title = s.Meeting.ID
	}
	if st := s.Meeting.StartsAt; !st.IsZero() {
		d, hm := longDate(st, loc), st.In(loc).Format("15:04")
		v.StartsAt = Words{d.Hi + ", " + hm, d.En + ", " + hm}
	}
	if s.Unfinished {
		end := clock(s.End, loc)
		v.CutShort = Words{
			"रिकॉर्डिंग " + end + " पर बीच में रुक गई (रिकॉर्डर उसे समाप्त किए बिना बंद हुआ); तब तक का सब कुछ यहाँ है।",
			"The recording was cut short at " + end + " (the recorder stopped without ending it); everything up to then is here.",
		}
	}
	for _, st := range statuses {
		v.Counts = append(v.Counts, countView{Status: st, Words: statusWords(st), Mark: statusMark(st), N: s.Count(st)})
	}
	for _, r := range s.Rooms {
		rv := roomView{
			ID: r.ID, Name: r.Name, NameHi: r.NameHi, Location: r.Location, Configured: r.Configured,
			Status: r.Status, Words: statusWords(r.Status), Mark: statusMark(r.Status),
			FirstJoined: dash, LastLeft: Words{En: dash}, Connected: dash, Speaking: dash, Drops: dash, Turns: len(r.Turns),
		}
		if r.Kind != "" {
			rv.Kind = kindWords(r.Kind)
		}
		if !r.FirstJoined.IsZero() {
			rv.FirstJoined = clock(r.FirstJoined, loc)
		}
		switch {
		case r.ConnectedAtEnd:
			rv.LastLeft = toTheEnd
		case !r.LastLeft.IsZero():
			rv.LastLeft = Words{En: clock(r.LastLeft, loc)}
		}
		if r.Attended() {
			rv.Connected = human(r.Connected)
			rv.Drops = strconv.Itoa(len(r.Drops))
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
