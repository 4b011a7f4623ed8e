package mixer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/stitch"
)

// stitchMeeting runs the meeting live (writing its segments), stitches each
// room's segments as the report does, and returns the stitched rooms.
func stitchMeeting(t *testing.T) (*scenario, []Room, string) {
	t.Helper()
	root, dir := disktest.TempRoot(t)
	sc := meeting()
	sc.run(t, root, "live.ogg")
	var rooms []Room
	for _, r := range sc.rooms {
		out := "rooms/" + r.name + ".ogg"
		if _, err := stitch.Room(root, out, sc.segs[r.name], t0, t0.Add(sc.end)); err != nil {
			t.Fatal(err)
		}
		rooms = append(rooms, Room{Path: out})
	}
	return sc, rooms, dir
}

func TestMixFiles(t *testing.T) {
	sc, rooms, dir := stitchMeeting(t)
	root := reopen(t, dir)

	// Offline, nothing is late: pakur's burst from while its goroutine was
	// stuck, missing from the live mix, is in the rebuilt one.
	want := []wantBurst{
		{1000 * ms, 440}, {2000 * ms, 550}, {2500 * ms, 1500}, {3000 * ms, 0}, {4500 * ms, 1000},
	}
	res, err := MixFiles(root, "mix.ogg", rooms, sc.end, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("result %+v", res)
	dec := decodeMix(t, dir, "mix.ogg", sc.end)
	checkBursts(t, dec.PCM, want, 20*ms)
	checkLoudOverlap(t, dec.PCM)
	if got := int64(len(dec.PCM)); got != res.Samples {
		t.Errorf("result says %d samples, file plays %d", res.Samples, got)
	}

	// With speaking turns, bokaro (silent, but sending real packets all
	// along) and the quiet stretches of the others are never decoded, and
	// the mix is the same.
	for i, r := range sc.rooms {
		rooms[i].Sounding = []Span{}
		for _, b := range r.bursts {
			rooms[i].Sounding = append(rooms[i].Sounding, Span{From: b.At, To: b.At + b.Dur})
		}
	}
	gated, err := MixFiles(root, "gated.ogg", rooms, sc.end, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gated %+v", gated.Stats)
	if gated.Stats.PacketsDecoded*3 > res.Stats.PacketsDecoded {
		t.Errorf("decoded %d packets with speaking turns, %d without; want under a third", gated.Stats.PacketsDecoded, res.Stats.PacketsDecoded)
	}
	checkBursts(t, decodeMix(t, dir, "gated.ogg", sc.end).PCM, want, 20*ms)

	if _, err := MixFiles(root, "mix.ogg", rooms, sc.end, Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("mixing over an existing file: %v; want fs.ErrExist", err)
	}
}

// TestMixFilesDamagedRooms: a missing room and one cut off mid-page are
// reported, and the mix still holds everything readable.
func TestMixFilesDamagedRooms(t *testing.T) {
	sc, rooms, dir := stitchMeeting(t)
	root := reopen(t, dir)
	data, err := root.ReadFile(rooms[1].Path) // dumka: 550 Hz at 2 s, 880 Hz at 3 s
	if err != nil {
		t.Fatal(err)
	}
	cut := len(data) * 45 / 100 // about 2.5 s in, mid-page
	if err := root.WriteFile("rooms/cut.ogg", data[:cut], 0o640); err != nil {
		t.Fatal(err)
	}
	rooms[1].Path = "rooms/cut.ogg"
	rooms = append(rooms, Room{Path: "rooms/nowhere.ogg"})
	res, err := MixFiles(root, "mix.ogg", rooms, sc.end, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rooms[1].Err == nil || res.Rooms[len(rooms)-1].Err == nil {
		t.Errorf("rooms %+v: want the cut and the missing room reported", res.Rooms)
	}
	dec := decodeMix(t, dir, "mix.ogg", sc.end)
	checkBursts(t, dec.PCM, []wantBurst{
		{1000 * ms, 440}, {2000 * ms, 550}, {2500 * ms, 1500}, {3000 * ms, 660}, {4500 * ms, 1000},
	}, 20*ms)
}

func reopen(t *testing.T, dir string) *osRoot {
	t.Helper()
	root, err := openRootAt(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// decodeMix decodes a finished mix and checks its framing and length.
func decodeMix(t *testing.T, dir, name string, length time.Duration) *audiotest.Decoded {
	t.Helper()
	dec, err := audiotest.DecodeOggFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !dec.EOS || dec.Stopped != nil {
		t.Errorf("%s: eos %v, stopped %v; want a closed stream read to the end", name, dec.EOS, dec.Stopped)
	}
	if got, want := len(dec.PCM), audiotest.Samples(length); abs64(int64(got-want)) > 60 {
		t.Errorf("%s plays %d samples; want %d ±60", name, got, want)
	}
	return dec
}

func TestCheck(t *testing.T) {
	sc, rooms, dir := stitchMeeting(t)
	root := reopen(t, dir)
	if _, err := MixFiles(root, "mix.ogg", rooms, sc.end, Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := root.ReadFile("mix.ogg")
	if err != nil {
		t.Fatal(err)
	}
	if err := root.WriteFile("cut.ogg", data[:len(data)-40], 0o640); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		length time.Duration
		want   bool
	}{
		{"mix.ogg", sc.end, true},
		{"live.ogg", sc.end, true}, // the live mix of the same meeting, closed
		{"mix.ogg", sc.end + 10*ms, false},
		{"cut.ogg", sc.end, false},
		{"rooms/nowhere.ogg", sc.end, false},
	} {
		got, err := Check(root, c.name, c.length)
		if err != nil || got != c.want {
			t.Errorf("Check(%s, %v) = %v, %v; want %v", c.name, c.length, got, err, c.want)
		}
	}
}

// TestMixFilesStops: a rebuild asked to stop stops, says why and leaves no
// partial mix.
func TestMixFilesStops(t *testing.T) {
	sc, rooms, dir := stitchMeeting(t)
	root := reopen(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := MixFiles(root, "mix.ogg", rooms, sc.end, Options{Context: ctx}); !errors.Is(err, context.Canceled) {
		t.Fatalf("MixFiles with a done context: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mix.ogg")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a stopped rebuild left mix.ogg: %v", err)
	}
}
