package minutes

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/samvad/samvad/recording"
)

// The minutes are for secretaries who read Hindi, English or both: every
// heading, label, status word and sentence is in both, Hindi first, and
// the Hindi of the page is marked lang="hi". These tests find English the
// page or the draft says by itself (words of two letters or more that are
// not the meeting's own names, titles and places, nor file names) and fail
// where no Hindi comes before it.

var englishWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// notWords are the English-looking texts that are names, not language.
var notWords = []string{MixFile, "rooms/", AttendanceFile, MinutesFile, recording.EventsFile, "samvad report", "UTC"}

// meetingTexts are the texts the meeting file gives (in any case they are
// the same in both languages), longest first so that "Ranchi" does not eat
// into a longer name.
func meetingTexts(m recording.Meeting, escape func(string) string) []string {
	out := []string{m.ID, m.Title, m.TitleHi}
	for _, r := range m.Rooms {
		out = append(out, r.ID, r.Name, r.NameHi, r.Location)
	}
	for i := range out {
		out[i] = escape(out[i])
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// untranslated says what is wrong with one block of text: English with no
// Hindi before it. blank are the texts to leave out.
func untranslated(text string, blank []string) string {
	for _, b := range append(blank, notWords...) {
		if b != "" {
			text = strings.ReplaceAll(text, b, " ")
		}
	}
	en := englishWord.FindStringIndex(text)
	if en == nil {
		return ""
	}
	hi := devanagari.FindStringIndex(text)
	switch {
	case hi == nil:
		return "English only"
	case hi[0] > en[0]:
		return "English before Hindi"
	}
	return ""
}

func TestMarkdownBilingual(t *testing.T) {
	for name, dir := range map[string]string{"mix": fixture(t, true), "no mix": fixture(t, false), "cut short": crashedFixture(t)} {
		t.Run(name, func(t *testing.T) {
			build(t, dir)
			m, err := recording.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			blank := meetingTexts(m.Meeting, md)
			draft := readFile(t, filepath.Join(dir, MinutesFile))
			// A block is a line, or the lines a backslash joins into one
			// paragraph (Hindi, then English on the next line).
			checked := 0
			for _, block := range strings.Split(strings.ReplaceAll(draft, "\\\n", " "), "\n") {
				if strings.TrimSpace(block) == "" {
					continue
				}
				checked++
				if what := untranslated(block, blank); what != "" {
					t.Errorf("minutes.md: %s: %q", what, block)
				}
			}
			if checked < 50 {
				t.Errorf("only %d lines of minutes.md checked", checked)
			}
		})
	}
}

func TestPageBilingual(t *testing.T) {
	for name, dir := range map[string]string{"mix": fixture(t, true), "cut short": crashedFixture(t)} {
		t.Run(name, func(t *testing.T) {
			build(t, dir)
			m, err := recording.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			page := readFile(t, filepath.Join(dir, PageFile))
			doc, err := html.Parse(strings.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			checkPageBilingual(t, doc, meetingTexts(m.Meeting, func(s string) string { return s }))
		})
	}
	// An empty meeting: every room absent, nobody spoke.
	dir := fixture(t, false)
	if err := os.Remove(filepath.Join(dir, recording.EventsFile)); err != nil {
		t.Fatal(err)
	}
	build(t, dir)
	m, err := recording.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(readFile(t, filepath.Join(dir, PageFile))))
	if err != nil {
		t.Fatal(err)
	}
	checkPageBilingual(t, doc, meetingTexts(m.Meeting, func(s string) string { return s }))
}

// blocks are the elements whose text is read as one: a heading, a cell, a
// paragraph, a line of the timeline.
var blocks = map[string]bool{"h1": true, "h2": true, "th": true, "td": true, "p": true, "dt": true, "dd": true, "li": true, "text": true, "title": true, "em": true}

func checkPageBilingual(t *testing.T, doc *html.Node, blank []string) {
	t.Helper()
	if lang, _ := attr(find(doc, func(n *html.Node) bool { return n.Data == "html" })[0], "lang"); lang != "en" {
		t.Errorf("<html lang=%q>, want en (the Hindi is marked where it is)", lang)
	}
	checked := 0
	for _, n := range find(doc, func(n *html.Node) bool { return blocks[n.Data] }) {
		txt := text(n)
		if strings.TrimSpace(txt) == "" || n.Parent != nil && n.Parent.Data == "head" && n.Data == "title" {
			continue // the window's title is the meeting's, and a date
		}
		checked++
		if what := untranslated(txt, blank); what != "" {
			t.Errorf("<%s>: %s: %q", n.Data, what, txt)
		}
	}
	// Tooltips and labels too.
	for _, n := range find(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if a.Key == "title" || a.Key == "aria-label" {
				checked++
				if what := untranslated(a.Val, blank); what != "" {
					t.Errorf("<%s %s>: %s: %q", n.Data, a.Key, what, a.Val)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d texts checked", checked)
	}
	// Devanagari is always marked as Hindi, for the font and for screen
	// readers; only a tooltip (an SVG <title>, a title attribute) cannot
	// mark one language of two.
	var walk func(n *html.Node, hi bool)
	walk = func(n *html.Node, hi bool) {
		if v, ok := attr(n, "lang"); ok {
			hi = v == "hi"
		}
		if n.Type == html.ElementNode && n.Data == "title" {
			return
		}
		if n.Type == html.TextNode && !hi && devanagari.MatchString(n.Data) {
			t.Errorf("Hindi not marked lang=hi: %q in <%s>", n.Data, n.Parent.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, hi)
		}
	}
	walk(doc, false)
}
