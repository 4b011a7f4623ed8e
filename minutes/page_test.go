package minutes

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/samvad/samvad/recording"
)

// parsePage builds the fixture (with or without a mix) and parses its page.
func parsePage(t *testing.T, mix bool) (*html.Node, Summary) {
	t.Helper()
	dir := fixture(t, mix)
	if err := os.MkdirAll(filepath.Join(dir, "rooms"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "rooms", "ranchi.ogg"), "OggS stand-in")
	res := build(t, dir)
	doc, err := html.Parse(strings.NewReader(readFile(t, filepath.Join(dir, PageFile))))
	if err != nil {
		t.Fatal(err)
	}
	m, err := recording.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, _, err := recording.ReadEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	return doc, Summarize(m.Meeting, res.Start, res.End, events)
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return strings.Contains(" "+v+" ", " "+class+" ")
}

// find is every element for which ok holds, in document order.
func find(n *html.Node, ok func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && ok(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// externalCSS is a url() to anything but a fragment of the page itself or
// data the page holds (its font).
var externalCSS = regexp.MustCompile(`url\(\s*['"]?([^#d'"\s]|d[^a]|da[^t]|dat[^a]|data[^:])`)

var devanagari = regexp.MustCompile(`\p{Devanagari}`)

func TestPageStructure(t *testing.T) {
	doc, s := parsePage(t, true)

	// One lane per room, named.
	lanes := find(doc, func(n *html.Node) bool { return n.Data == "g" && hasClass(n, "lane") })
	if len(lanes) != len(s.Rooms) {
		t.Fatalf("%d lanes for %d rooms", len(lanes), len(s.Rooms))
	}
	var wantSeeks []string
	for i, r := range s.Rooms {
		if !strings.Contains(text(lanes[i]), r.Name) {
			t.Errorf("lane %d is %q, want %s", i, text(lanes[i]), r.Name)
		}
		if !hasClass(lanes[i], "st-"+string(r.Status)) {
			t.Errorf("lane of %s lacks its status class %s", r.ID, r.Status)
		}
		conns := find(lanes[i], func(n *html.Node) bool { return n.Data == "rect" && hasClass(n, "conn") })
		drops := find(lanes[i], func(n *html.Node) bool { return n.Data == "path" && hasClass(n, "drop") })
		turns := find(lanes[i], func(n *html.Node) bool { return hasClass(n, "turn") })
		if len(conns) != len(r.Connections) || len(drops) != len(r.Drops) || len(turns) != len(r.Turns) {
			t.Errorf("lane of %s: %d connections, %d drops, %d turns; want %d, %d, %d", r.ID,
				len(conns), len(drops), len(turns), len(r.Connections), len(r.Drops), len(r.Turns))
		}
		for j, g := range turns {
			want := seek(r.Turns[j].Start, s.Start)
			wantSeeks = append(wantSeeks, want)
			if v, _ := attr(g, "data-t"); v != want {
				t.Errorf("%s turn %d seeks to %s, want %s", r.ID, j, v, want)
			}
			if v, _ := attr(g, "role"); v != "button" {
				t.Errorf("%s turn %d is not clickable (role %q)", r.ID, j, v)
			}
			if _, ok := attr(g, "tabindex"); !ok {
				t.Errorf("%s turn %d cannot be reached by keyboard", r.ID, j)
			}
		}
	}
	if len(wantSeeks) != 9 {
		t.Errorf("%d turns in the timeline, want the fixture's 9", len(wantSeeks))
	}

	// Every turn also a link into the mix, in the speaking-time list.
	links := find(doc, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "seek") })
	if len(links) != len(wantSeeks) {
		t.Errorf("%d seek links, want %d", len(links), len(wantSeeks))
	}
	for _, a := range links {
		tv, _ := attr(a, "data-t")
		if href, _ := attr(a, "href"); href != "mix.ogg#t="+tv {
			t.Errorf("seek link href %q, data-t %q", href, tv)
		}
	}

	// An absent room's row has nothing to count: a dash in every column
	// of numbers, drops included.
	for _, r := range s.Rooms {
		rows := find(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return n.Data == "tr" && v == "room-"+r.ID })
		if len(rows) != 1 {
			t.Fatalf("%d rows for %s", len(rows), r.ID)
		}
		nums := find(rows[0], func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "num") })
		if len(nums) != 3 {
			t.Fatalf("%s: %d columns of numbers, want connected, drops, spoke", r.ID, len(nums))
		}
		for i, td := range nums {
			got := strings.TrimSpace(text(td))
			switch {
			case !r.Attended() && got != "—":
				t.Errorf("absent %s: column %d of numbers shows %q, want —", r.ID, i+1, got)
			case r.Attended() && i < 2 && got == "—":
				t.Errorf("%s (%s): column %d of numbers shows —", r.ID, r.Status, i+1)
			}
		}
	}

	// The player, and room files only where they exist.
	if audio := find(doc, func(n *html.Node) bool { return n.Data == "audio" }); len(audio) != 1 {
		t.Errorf("%d audio players", len(audio))
	} else if src, _ := attr(audio[0], "src"); src != "mix.ogg" {
		t.Errorf("player plays %q", src)
	}
	var roomLinks []string
	for _, a := range find(doc, func(n *html.Node) bool { return n.Data == "a" }) {
		if href, _ := attr(a, "href"); strings.HasPrefix(href, "rooms/") {
			roomLinks = append(roomLinks, href)
		}
	}
	if strings.Join(roomLinks, " ") != "rooms/ranchi.ogg" {
		t.Errorf("room links %v, want only the one that exists", roomLinks)
	}

	// Devanagari, marked as Hindi; UTF-8 declared.
	hi := find(doc, func(n *html.Node) bool { v, _ := attr(n, "lang"); return v == "hi" })
	if len(hi) < len(s.Rooms) {
		t.Errorf("%d elements marked lang=hi", len(hi))
	}
	for _, n := range hi {
		if !devanagari.MatchString(text(n)) {
			t.Errorf("<%s lang=hi> holds %q", n.Data, text(n))
		}
	}
	if !strings.Contains(text(doc), "जिला समितियों के साथ ऑनलाइन संवाद") {
		t.Error("the Hindi title is missing")
	}
	if len(find(doc, func(n *html.Node) bool { v, _ := attr(n, "charset"); return n.Data == "meta" && v == "utf-8" })) != 1 {
		t.Error("no <meta charset=utf-8>")
	}

	// Self-contained: nothing to fetch.
	for _, n := range find(doc, func(*html.Node) bool { return true }) {
		switch n.Data {
		case "link", "iframe", "img", "object", "embed":
			t.Errorf("<%s> in a self-contained page", n.Data)
		case "script":
			if _, ok := attr(n, "src"); ok {
				t.Error("<script src>")
			}
		case "style":
			if css := text(n); externalCSS.MatchString(css) || strings.Contains(css, "@import") {
				t.Error("the style loads something")
			}
		}
		for _, a := range n.Attr {
			if (a.Key == "href" || a.Key == "src") && (strings.Contains(a.Val, ":") || strings.HasPrefix(a.Val, "//")) {
				t.Errorf("<%s %s=%q> leaves the folder", n.Data, a.Key, a.Val)
			}
		}
	}
}

func TestPageWithoutMix(t *testing.T) {
	doc, _ := parsePage(t, false)
	if n := find(doc, func(n *html.Node) bool { return n.Data == "audio" }); len(n) != 0 {
		t.Error("a player without mix.ogg")
	}
	for _, n := range find(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.Contains(a.Val, "mix.ogg") {
				t.Errorf("<%s %s=%q> without mix.ogg", n.Data, a.Key, a.Val)
			}
		}
		if hasClass(n, "turn") {
			if _, ok := attr(n, "role"); ok {
				t.Error("a turn offered as a button with nothing to play")
			}
		}
	}
	if turns := find(doc, func(n *html.Node) bool { return hasClass(n, "turn-at") }); len(turns) != 9 {
		t.Errorf("%d turn times listed, want 9", len(turns))
	}
}

// Names come from a meeting file that anyone with the server may edit: they
// are text, never markup.
func TestPageEscapes(t *testing.T) {
	m := recording.Meeting{
		ID: "x", Title: `</title><script>alert(1)</script>`, TitleHi: `"><img src=x onerror=alert(1)>`,
		StartsAt: at("14:00:00"),
		Rooms:    []recording.Room{{ID: "a", Name: `<b>A</b> & "B"`, NameHi: "ए", Location: `javascript:alert(1)`}},
	}
	s := Summarize(m, at("14:00:00"), at("14:10:00"), []recording.Event{
		ev("14:00:00", "joined", "a", ""), ev("14:01:00", "speaking_started", "a", ""), ev("14:02:00", "speaking_stopped", "a", ""),
	})
	page, err := minutesHTML(s, files{Mix: true})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if n := find(doc, func(n *html.Node) bool { return n.Data == "script" }); len(n) != 1 {
		t.Errorf("%d scripts, want only the page's own", len(n))
	}
	if n := find(doc, func(n *html.Node) bool { return n.Data == "img" || n.Data == "b" }); len(n) != 0 {
		t.Error("a name became markup")
	}
	if !strings.Contains(text(doc), `<b>A</b> & "B"`) {
		t.Error("the name is not shown as written")
	}
}
