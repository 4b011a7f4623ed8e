package minutes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/samvad/samvad/recording"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the fixture (review the diff before committing)")

// fixture copies testdata/meeting (meeting.json + events.jsonl of a made-up
// hour of the 21 Nov 2023 samvad: a late room, an absent one, drops and
// rejoins, a replaced session, rooms leaving early, turns out of order and
// one still open at the end) into a fresh folder. With mix, a broken
// stand-in mix.ogg is added, as a crashed bot would leave one, and the
// report rebuilds it; without, the meeting is one whose file turned the mix
// off (recording.mix: false).
func fixture(t *testing.T, mix bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "2023-11-21-jmm-2023-11-21")
	if err := os.CopyFS(dir, os.DirFS("testdata/meeting")); err != nil {
		t.Fatal(err)
	}
	if mix {
		writeFile(t, filepath.Join(dir, MixFile), "OggS stand-in")
		return dir
	}
	m, err := recording.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.NoMix = true
	data, _ := json.MarshalIndent(m, "", "  ")
	writeFile(t, filepath.Join(dir, recording.ManifestFile), string(data))
	return dir
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func build(t *testing.T, dir string) *Result {
	t.Helper()
	res, err := Build(dir, Options{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return res
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, got)
		return
	}
	want := readFile(t, path)
	if got != want {
		t.Errorf("%s differs from %s (run go test ./minutes -run %s -update and review the diff):\n%s", name, path, t.Name(), firstDiff(want, got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + wl + "\n  got  " + gl
		}
	}
	return "(same lines)"
}

func TestGolden(t *testing.T) {
	dir := fixture(t, true)
	var steps []string
	res, err := Build(dir, Options{Progress: func(done, total int, what string) {
		steps = append(steps, what)
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("skipped %v", res.Skipped)
	}
	if got, want := strings.Join(steps, " "), "mix.ogg meeting.json attendance.csv minutes.md minutes.html done"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
	golden(t, AttendanceFile, readFile(t, filepath.Join(dir, AttendanceFile)))
	golden(t, MinutesFile, readFile(t, filepath.Join(dir, MinutesFile)))
}

func TestAttendanceCSVShape(t *testing.T) {
	dir := fixture(t, false)
	build(t, dir)
	csv := readFile(t, filepath.Join(dir, AttendanceFile))
	// DESIGN.md's columns first, in its order; ours after.
	if !strings.HasPrefix(csv, utf8BOM+"room,name,name_hi,kind,location,status,first_joined,last_left,connected_s,drops,speaking_s,audio_s\r\n") {
		t.Errorf("attendance.csv starts %q", csv[:min(len(csv), 120)])
	}
	// One row per configured room, present or not.
	if rows := strings.Count(csv, "\r\n"); rows != 1+9 {
		t.Errorf("%d lines, want a header and 9 rooms", rows)
	}
}

// A folder left by a crash: no recording_stopped, no recording_ended_at, a
// half-written last line. The minutes end at the last sign of life, rooms
// still connected there have no last_left, and a rebuild changes nothing.
func TestCrashedFolder(t *testing.T) {
	dir := crashedFixture(t)
	res := build(t, dir)
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "events.jsonl: line") {
		t.Errorf("skipped %q, want the half line", res.Skipped)
	}
	if got := res.End.Format("15:04:05.000"); got != "14:45:00.000" {
		t.Errorf("end %s, want the last event 14:45:00.000", got)
	}
	csv := readFile(t, filepath.Join(dir, AttendanceFile))
	for _, row := range []string{
		// Connected at the crash: no last_left, time clipped there.
		"host,Executive President,कार्यकारी अध्यक्ष,host,,present,2023-11-21 13:55:12+05:30,,2820,0,",
		// Left at the very end of what was recorded: late, not left early.
		"garhwa,Garhwa,गढ़वा,district,,late,2023-11-21 14:20:00+05:30,2023-11-21 14:45:00+05:30,1440,1,0,1440",
		// Left 15 minutes before the crash.
		"bokaro,Bokaro,बोकारो,district,,left_early,2023-11-21 14:01:10+05:30,2023-11-21 14:30:00+05:30,1730,0,60,1730",
	} {
		if !strings.Contains(csv, row) {
			t.Errorf("attendance.csv lacks %q:\n%s", row, csv)
		}
	}
	md := readFile(t, filepath.Join(dir, MinutesFile))
	if !strings.Contains(md, "cut short") || strings.Contains(md, "mix.ogg#") {
		t.Errorf("minutes.md should say the recording was cut short and not link a missing mix:\n%s", md)
	}

	before := snapshot(t, dir)
	build(t, dir)
	if after := snapshot(t, dir); !bytes.Equal(before, after) {
		t.Error("a second report changed the files")
	}
}

// snapshot is the files a report writes, concatenated.
func snapshot(t *testing.T, dir string) []byte {
	var b []byte
	for _, name := range append([]string{"meeting.json"}, secretaryFiles...) {
		b = append(b, readFile(t, filepath.Join(dir, name))...)
	}
	return b
}

func TestRebuildIsIdempotent(t *testing.T) {
	dir := fixture(t, true)
	build(t, dir)
	before := snapshot(t, dir)
	build(t, dir)
	if after := snapshot(t, dir); !bytes.Equal(before, after) {
		t.Error("a second report changed the files")
	}
}

// TestBuildStopsWhenAsked: samvad report stops on Ctrl-C, between files and
// within the mix rebuild, and says why; the folder can be built again.
func TestBuildStopsWhenAsked(t *testing.T) {
	dir := fixture(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(dir, Options{Context: ctx}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Build with a done context: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, MixFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a stopped build left %s: %v", MixFile, err)
	}
	build(t, dir)
}

// crashedFixture is the fixture without a mix as a crash leaves it: no
// recording_stopped, no recording_ended_at, a half-written last line.
func crashedFixture(t *testing.T) string {
	t.Helper()
	dir := fixture(t, false)
	man := readFile(t, filepath.Join(dir, "meeting.json"))
	man = strings.Replace(man, `"recording_ended_at": "2023-11-21T15:00:00.000+05:30"`, `"recording_ended_at": ""`, 1)
	writeFile(t, filepath.Join(dir, "meeting.json"), man)
	var kept []string
	for _, l := range strings.Split(readFile(t, filepath.Join(dir, "events.jsonl")), "\n") {
		if l != "" && l < `{"at":"2023-11-21T14:45:00.001` {
			kept = append(kept, l)
		}
	}
	writeFile(t, filepath.Join(dir, "events.jsonl"), strings.Join(kept, "\n")+"\n"+`{"at":"2023-11-21T14:46:02.120+05:30","offset_ms":286`)
	return dir
}
