package minutes

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// The minutes speak to the secretaries in Hindi and in English, as the
// join page and the roll call do: every heading, label, status word and
// sentence is a Words. Which language comes first is decided by Pair,
// Lines and HTML alone.

// Words is one text in both languages.
type Words struct{ Hi, En string }

// Pair is a short text as the draft minutes write it: "हाज़िरी / Roll call".
func (w Words) Pair() string {
	switch {
	case w.Hi == "":
		return w.En
	case w.En == "":
		return w.Hi
	}
	return w.Hi + " / " + w.En
}

// Lines is a sentence as the draft minutes write it: the Hindi, a hard
// line break (CommonMark's backslash), the English.
func (w Words) Lines() string {
	if w.Hi == "" || w.En == "" {
		return w.Pair()
	}
	return w.Hi + "\\\n" + w.En
}

// HTML is a Words in the page: the Hindi marked lang="hi", which picks the
// Devanagari font and tells a screen reader, then the English.
func (w Words) HTML() template.HTML {
	if w.Hi == "" {
		return template.HTML(html.EscapeString(w.En))
	}
	return template.HTML(`<span lang="hi">` + html.EscapeString(w.Hi) + `</span> ` + html.EscapeString(w.En))
}

// Join joins each language's texts with its own separator.
func joinWords(ws []Words, hiSep, enSep string) Words {
	var hi, en []string
	for _, w := range ws {
		hi, en = append(hi, w.Hi), append(en, w.En)
	}
	return Words{strings.Join(hi, hiSep), strings.Join(en, enSep)}
}

// statusWords is the status as a secretary reads it.
func statusWords(s Status) Words {
	switch s {
	case StatusLate:
		return Words{"देर से", "late"}
	case StatusLeftEarly:
		return Words{"जल्दी चले गए", "left early"}
	case StatusAbsent:
		return Words{"अनुपस्थित", "absent"}
	}
	return Words{"उपस्थित", "present"}
}

// statusMark is a symbol for the status, so that the roll call still reads at a
// glance on a black-and-white printout, where its colours do not.
func statusMark(s Status) string {
	switch s {
	case StatusLate:
		return "◔"
	case StatusLeftEarly:
		return "⇥"
	case StatusAbsent:
		return "✗"
	}
	return "✓"
}

// statuses in the order the minutes count them.
var statuses = []Status{StatusPresent, StatusLate, StatusLeftEarly, StatusAbsent}

// kindWords names a room's kind (meeting.Kind*) as the roll call does; a
// kind this version does not know is shown as written.
func kindWords(kind string) Words {
	switch kind {
	case "host":
		return Words{"मेज़बान", "Host"}
	case "central":
		return Words{"केंद्रीय", "Central"}
	case "district":
		return Words{"ज़िला", "District"}
	case "guest":
		return Words{"अतिथि", "Guest"}
	}
	return Words{En: kind}
}

// silenceWords says why a connected room sent nothing, from the reason of
// its audio_stopped.
func silenceWords(reason string) Words {
	switch reason {
	case "no_packets":
		return Words{"कोई ऑडियो नहीं भेजा", "sent no audio"}
	case "digital_silence":
		return Words{"केवल ख़ामोशी भेजी", "sent only silence"}
	case "muted":
		return Words{"म्यूट", "muted"}
	}
	return Words{"ऑडियो नहीं", "no audio"}
}

// endedWords says how a connection ended (recording.EventLeft or
// recording.EventDropped).
func endedWords(ended string) Words {
	if ended == "dropped" {
		return Words{"कनेक्शन टूटा", "dropped"}
	}
	return Words{"चले गए", "left"}
}

// Fixed texts used in more than one place.
var (
	toTheEnd          = Words{"अंत तक", "to the end"}
	notInMeetingFile  = Words{"बैठक की फ़ाइल में नहीं", "not in the meeting file"}
	beforeRecording   = Words{"रिकॉर्डिंग से पहले", "before the recording"}
	clickToHear       = Words{"सुनने के लिए क्लिक करें", "click to hear"}
	noRoomSpoke       = Words{"कोई कक्ष नहीं बोला।", "No room spoke."}
	attendedNotSpoken = Words{"जुड़े पर नहीं बोले:", "Attended but did not speak:"}
)

// turnsWords is "3 बार / 3 turns".
func turnsWords(n int) Words {
	if n == 1 {
		return Words{"1 बार", "1 turn"}
	}
	return Words{fmt.Sprintf("%d बार", n), fmt.Sprintf("%d turns", n)}
}

// dropsWords is "1 बार कनेक्शन टूटा / 1 drop".
func dropsWords(n int) Words {
	if n == 1 {
		return Words{"1 बार कनेक्शन टूटा", "1 drop"}
	}
	return Words{fmt.Sprintf("%d बार कनेक्शन टूटा", n), fmt.Sprintf("%d drops", n)}
}

// attendedWords is "9 में से 8 कक्ष जुड़े / 8 of 9 rooms attended".
func attendedWords(n, of int) Words {
	return Words{fmt.Sprintf("%d में से %d कक्ष जुड़े", of, n), fmt.Sprintf("%d of %d rooms attended", n, of)}
}
