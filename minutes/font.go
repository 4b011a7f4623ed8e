package minutes

import (
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"
)

// The page carries its Devanagari font: a secretary's laptop may have none
// (a fresh Linux, an old Windows without the Indic pack), and boxes in
// place of every Hindi word would make the minutes half unreadable. Noto
// Sans Devanagari, subset to the Devanagari characters by
// tools/mkfont/mkfont.sh, about 43 KB a weight as WOFF2; its licence, the
// SIL Open Font License 1.1, is font/OFL.txt, and stays in the font's name
// table inside the page.
//
//go:embed font/NotoSansDevanagari-Regular.woff2 font/NotoSansDevanagari-Bold.woff2
var fontFiles embed.FS

// fontFamily is the embedded face's name in the page's CSS: a name of its
// own, so that the page uses the same font everywhere, whatever the reader
// has installed.
const fontFamily = "samvad Devanagari"

// fontRange is what tools/mkfont/mkfont.sh keeps of the font: other
// characters fall through to the next font of the stack.
const fontRange = "U+0900-097F, U+1CD0-1CFF, U+200B-200D, U+25CC, U+A8E0-A8FF, U+20B9"

// fontFace is the page's @font-face rules, the font inlined as data: URLs.
var fontFace = template.CSS(mustFontFace())

func mustFontFace() string {
	var b strings.Builder
	b.WriteString("/* Noto Sans Devanagari: Copyright 2015 Google Inc.; SIL Open Font License 1.1 (scripts.sil.org/OFL); subset by samvad */\n")
	for _, w := range []struct {
		file   string
		weight int
	}{{"font/NotoSansDevanagari-Regular.woff2", 400}, {"font/NotoSansDevanagari-Bold.woff2", 700}} {
		data, err := fontFiles.ReadFile(w.file)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "@font-face { font-family: %q; font-weight: %d; font-style: normal; font-display: block; unicode-range: %s; src: url(data:font/woff2;base64,%s) format(\"woff2\"); }\n",
			fontFamily, w.weight, fontRange, base64.StdEncoding.EncodeToString(data))
	}
	return b.String()
}
