package minutes

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"time"
)

// AttendanceFile is the roll call as a spreadsheet.
const AttendanceFile = "attendance.csv"

// attendanceHeader: the columns up to speaking_s are fixed by DESIGN.md,
// which lets columns be added after them, never before or between.
var attendanceHeader = []string{"room", "name", "name_hi", "kind", "location", "status", "first_joined", "last_left", "connected_s", "drops", "speaking_s",
	"audio_s"}

// utf8BOM starts attendance.csv: without it Excel reads the file as the
// machine's legacy code page and Devanagari names turn to mojibake. Other
// spreadsheets and Python's "utf-8-sig" skip it; a program reading the
// header must skip it too.
const utf8BOM = "\ufeff"

// attendanceCSV is attendance.csv: one row per configured room, present or
// not, in meeting-file order; RFC 4180 (CRLF line ends, quotes where
// needed), UTF-8 with a BOM.
//
//   - first_joined, last_left: "2006-01-02 15:04:05+05:30" in the
//     meeting's zone (the offset of starts_at), with that offset.
//     first_joined is empty for an absent room; last_left is empty for a
//     room still connected when the recording ended, and for one that
//     never connected.
//   - connected_s: every connected stretch clipped to the recording, in
//     whole seconds; speaking_s likewise for speaking turns.
//   - drops: connections lost without a leave (not left, not replaced).
//   - audio_s: of connected_s, the seconds in which the room's audio
//     reached the recorder (not muted, not only silence, not no packets at
//     all): a room connected but never heard is present with audio_s 0.
func attendanceCSV(s Summary) []byte {
	var b bytes.Buffer
	b.WriteString(utf8BOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(attendanceHeader)
	loc := s.Loc()
	for _, r := range s.Rooms {
		if !r.Configured {
			continue
		}
		w.Write([]string{
			r.ID, sheetText(r.Name), sheetText(r.NameHi), r.Kind, sheetText(r.Location), string(r.Status),
			sheetTime(r.FirstJoined, loc), sheetTime(r.LastLeft, loc),
			strconv.FormatInt(seconds(r.Connected), 10),
			strconv.Itoa(len(r.Drops)),
			strconv.FormatInt(seconds(r.Speaking), 10),
			strconv.FormatInt(seconds(withAudio(r)), 10),
		})
	}
	w.Flush() // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

// sheetText keeps a text from the meeting file a text in a spreadsheet: one
// that starts like a formula (= + - @, or a tab or carriage return before
// one) gets a leading apostrophe, which Excel and LibreOffice show as text
// and do not evaluate. A room named "=HYPERLINK(...)" would otherwise run
// in the secretary's spreadsheet.
func sheetText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// withAudio is how long the room was connected with its audio reaching
// the recorder: connected, less the stretches it was silent (which lie
// within its connections).
func withAudio(r RoomSummary) time.Duration {
	d := r.Connected
	for _, q := range r.Silent {
		d -= q.Duration()
	}
	return max(d, 0)
}
