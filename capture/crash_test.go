package capture

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/oggopus"
)

// TestSegmentFileIsCrashSafe kills the writer (no Close) at several moments
// and reads the file as the dead process left it: it must decode, end on a
// page boundary, and hold everything up to the last flush, which happened no
// longer than FlushInterval before the kill.
func TestSegmentFileIsCrashSafe(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	src := fourSeconds(t, false)
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	for _, kill := range []int{1, 40, 120, 199} {
		name := SegmentName("bokaro", kill)
		seg, err := CreateSegment(root, name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		var now time.Time
		for i := 0; i <= kill; i++ {
			now = t0.Add(time.Duration(i) * 20 * time.Millisecond)
			if err := seg.PushPayload(uint16(i), uint32(i*960), src.packets[i], now); err != nil {
				t.Fatal(err)
			}
			if err := seg.Tick(now); err != nil {
				t.Fatal(err)
			}
		}
		written := seg.Written()
		data, err := os.ReadFile(filepath.Join(dir, name)) // kill -9 here
		if err != nil {
			t.Fatal(err)
		}
		seg.file.Close()
		dec, err := audiotest.DecodeOgg(data)
		if err != nil {
			t.Fatalf("kill after packet %d: %v", kill, err)
		}
		if dec.Stopped != nil || dec.EOS {
			t.Errorf("kill after packet %d: stopped %v eos %v; want a clean cut at a page boundary", kill, dec.Stopped, dec.EOS)
		}
		got := audiotest.Duration(len(dec.PCM))
		if got > written || got < written-DefaultFlushInterval-20*time.Millisecond {
			t.Errorf("kill after packet %d: file plays %v of %v written, more than a flush interval lost", kill, got, written)
		}
	}
}

// TestTickFlushesWithoutPackets: a muted room sends nothing, yet the file
// keeps growing with silence and reaches the disk.
func TestTickFlushesWithoutPackets(t *testing.T) {
	root, _ := disktest.TempRoot(t)
	src := fourSeconds(t, false)
	seg, err := CreateSegment(root, "segments/godda/0001.ogg", Config{FlushInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	for i := 0; i < 25; i++ {
		if err := seg.PushPayload(uint16(i), uint32(i*960), src.packets[i], t0.Add(time.Duration(i)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	end := t0.Add(10 * time.Second)
	for now := t0.Add(500 * time.Millisecond); !now.After(end); now = now.Add(100 * time.Millisecond) {
		if err := seg.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
	data, err := root.ReadFile("segments/godda/0001.ogg")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	// Written up to 10 s - quietFill, flushed at least once in the last second.
	if got := audiotest.Duration(len(dec.PCM)); got < 10*time.Second-quietFill-time.Second-20*time.Millisecond {
		t.Errorf("after 10 s of ticks the file on disk plays only %v", got)
	}
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	data, err = root.ReadFile("segments/godda/0001.ogg")
	if err != nil {
		t.Fatal(err)
	}
	dec, err = audiotest.DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := audiotest.Duration(len(dec.PCM)); !dec.EOS || got < 10*time.Second-20*time.Millisecond || got > 10*time.Second+20*time.Millisecond {
		t.Errorf("closed file: EOS %v, plays %v, want 10 s", dec.EOS, got)
	}
	if st := seg.Stats(); st.SilenceInsertedMs < 9400 || st.SamplesWritten != int64(len(dec.PCM)) {
		t.Errorf("stats %+v", st)
	}
}

func TestCreateSegmentFiles(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	name := SegmentName("east-singhbhum", 1)
	if name != "segments/east-singhbhum/0001.ogg" {
		t.Fatalf("SegmentName = %q", name)
	}
	seg, err := CreateSegment(root, name, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := seg.Close(time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := seg.Close(time.Now()); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if err := seg.PushPayload(1, 1, []byte{0xF8, 0xFF, 0xFE}, time.Now()); !errors.Is(err, ErrClosed) {
		t.Errorf("Push after Close: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, name))
	if err != nil || info.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, %v; want 0640", info.Mode(), err)
	}
	// A segment that never got a packet is still a valid, empty stream.
	dec, err := audiotest.DecodeOggFile(filepath.Join(dir, name))
	if err != nil || !dec.EOS || len(dec.PCM) != 0 {
		t.Errorf("empty segment: %v, EOS %v, %d samples", err, dec != nil && dec.EOS, len(dec.PCM))
	}
	if _, err := CreateSegment(root, name, Config{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("existing file: %v, want fs.ErrExist", err)
	}
	for _, bad := range []string{"../outside.ogg", "/etc/x.ogg", "segments/../../x.ogg"} {
		if _, err := CreateSegment(root, bad, Config{}); err == nil {
			t.Errorf("%q: created outside the root", bad)
		}
	}
}

// TestScanOwnSegmentsWithinBound: the densest segment this package
// writes (a minute of silence, a 120 ms packet per page) with most of its
// pages destroyed still has its audio after the damage at its true place.
func TestScanOwnSegmentsWithinBound(t *testing.T) {
	var buf bytes.Buffer
	seg, err := NewSegment(&buf, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	if err := seg.PushPayload(1, 0, []byte{0xf8, 0xff, 0xfe}, t0); err != nil {
		t.Fatal(err)
	}
	for ms := 100; ms <= 60_000; ms += 100 {
		if err := seg.Tick(t0.Add(time.Duration(ms) * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := seg.Close(t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	whole, err := oggopus.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := whole.Samples(), int64(60*oggopus.SampleRate); got != want {
		t.Fatalf("intact segment plays %d samples, want %d", got, want)
	}
	clear(data[len(data)/20 : len(data)-len(data)/20]) // 90% of it gone
	sc, err := oggopus.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	if sc.BadGranules != 0 || sc.Samples() != whole.Samples() || sc.MissingPages == 0 {
		t.Errorf("damaged segment: %d bad granules, %d samples, %d missing pages", sc.BadGranules, sc.Samples(), sc.MissingPages)
	}
	last, wantLast := sc.Packets[len(sc.Packets)-1], whole.Packets[len(whole.Packets)-1]
	if last.Pos != wantLast.Pos {
		t.Errorf("last packet at %d, want %d", last.Pos, wantLast.Pos)
	}
}
