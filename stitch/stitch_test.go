package stitch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/capturetest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/oggopus"
	"github.com/thesyncim/gopus"
	"github.com/thesyncim/gopus/container/ogg"
)

func TestStitch(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	rec := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	at := func(ms float64) time.Time { return rec.Add(time.Duration(ms * float64(time.Millisecond))) }

	type seg struct {
		name   string
		start  time.Time
		src    source
		crash  bool
		damage func(t *testing.T, data []byte) []byte
		want   []wantBurst
	}
	segs := []seg{
		{ // joined before the recording started: its first 0.5 s is cut
			name: "segments/ranchi/0001.ogg", start: at(-500),
			src:  newSource(t, 1500*time.Millisecond, []audiotest.Burst{burst(100, 150, 300), burst(700, 200, 450)}),
			want: []wantBurst{{200 * time.Millisecond, 450}},
		},
		{ // off the 2.5 ms grid
			name: "segments/ranchi/0002.ogg", start: at(2001.3),
			src:  newSource(t, 3*time.Second, []audiotest.Burst{burst(500, 200, 600), burst(1800, 300, 750)}),
			want: []wantBurst{{2501300 * time.Microsecond, 600}, {3801300 * time.Microsecond, 750}},
		},
		{ // the bot crashed, and the last page was torn mid-write
			name: "segments/ranchi/0003.ogg", start: at(6000), crash: true,
			src: newSource(t, 2*time.Second, []audiotest.Burst{burst(300, 200, 900), burst(1700, 200, 1050)}),
			damage: func(t *testing.T, data []byte) []byte {
				offs := audiotest.PageOffsets(t, data)
				return data[:offs[len(offs)*3/4]+17]
			},
			want: []wantBurst{{6300 * time.Millisecond, 900}},
		},
		{ // five pages in the middle corrupted; cut by the next segment
			name: "segments/ranchi/0004.ogg", start: at(10000),
			src: newSource(t, 3*time.Second, []audiotest.Burst{burst(300, 200, 1200), burst(1500, 200, 1350), burst(2500, 200, 1500)}),
			damage: func(t *testing.T, data []byte) []byte {
				offs := audiotest.PageOffsets(t, data)
				first := 3 + 50 // header, tags, warm-up, then 1.0 s in
				for k := first; k < first+5; k++ {
					data[offs[k]+30] ^= 0x55
				}
				return data
			},
			want: []wantBurst{{10300 * time.Millisecond, 1200}, {11500 * time.Millisecond, 1350}},
		},
		{ // reconnected before the old connection timed out: wins from 12 s
			name: "segments/ranchi/0005.ogg", start: at(12000),
			src:  newSource(t, 2*time.Second, []audiotest.Burst{burst(800, 200, 1650)}),
			want: []wantBurst{{12800 * time.Millisecond, 1650}},
		},
	}
	var refs []SegmentRef
	var want []wantBurst
	for _, s := range segs {
		capturetest.WriteSegment(t, root, s.name, s.start, s.src.packets, s.crash)
		if s.damage != nil {
			p := filepath.Join(dir, filepath.FromSlash(s.name))
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, s.damage(t, data), 0o640); err != nil {
				t.Fatal(err)
			}
		}
		refs = append(refs, SegmentRef{Path: s.name, Start: s.start})
		want = append(want, s.want...)
	}
	// Unusable inputs are reported, not fatal.
	if err := os.WriteFile(filepath.Join(dir, "segments/ranchi/0006.ogg"), []byte("OggS but not really a page"), 0o640); err != nil {
		t.Fatal(err)
	}
	refs = append(refs, SegmentRef{Path: "segments/ranchi/0006.ogg", Start: at(14000)}, SegmentRef{Path: "segments/ranchi/missing.ogg", Start: at(1000)})
	// Any order.
	refs[0], refs[3] = refs[3], refs[0]

	end := at(16000)
	res, err := Room(root, "rooms/ranchi.ogg", refs, rec, end)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(dir, "rooms", "ranchi.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	if !dec.EOS || dec.Stopped != nil || dec.PreSkip != res.PreSkip || dec.PreSkip < MinPreSkip || dec.PreSkip >= MinPreSkip+120 {
		t.Fatalf("stitched: EOS %v stopped %v pre-skip %d (result says %d)", dec.EOS, dec.Stopped, dec.PreSkip, res.PreSkip)
	}
	if got := int64(len(dec.PCM)); got != res.Samples || math.Abs(float64(got-16*48000)) > 60 {
		t.Errorf("stitched plays %d samples (result %d), want 16 s = %d ±60", got, res.Samples, 16*48000)
	}
	look, err := audiotest.EncoderLookahead(gopus.ApplicationVoIP)
	if err != nil {
		t.Fatal(err)
	}
	found := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
	if len(found) != len(want) {
		t.Fatalf("found %d bursts %+v, want %d %+v", len(found), found, len(want), want)
	}
	for k, w := range want {
		exp := w.at + audiotest.Duration(look)
		if d := found[k].At - exp; d < -tolerance || d > tolerance {
			t.Errorf("burst %d (%v Hz) at %v, want %v", k, w.hz, found[k].At, exp)
		}
		if math.Abs(found[k].Freq-w.hz) > 15 {
			t.Errorf("burst %d: %v Hz, want %v", k, found[k].Freq, w.hz)
		}
	}
	// Silence where nothing covers: before the second segment and after
	// the torn one.
	for _, gap := range [][2]time.Duration{{1100 * time.Millisecond, 1900 * time.Millisecond}, {8200 * time.Millisecond, 9900 * time.Millisecond}} {
		for _, r := range audiotest.RMS(dec.PCM[audiotest.Samples(gap[0]):audiotest.Samples(gap[1])], 480) {
			if r > 1e-4 {
				t.Fatalf("gap %v: RMS %g, want silence", gap, r)
			}
		}
	}

	byPath := map[string]SegmentInfo{}
	for _, in := range res.Segments {
		byPath[in.Path] = in
	}
	for _, s := range segs {
		in := byPath[s.name]
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.name)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if in.SHA256 != hex.EncodeToString(sum[:]) || in.Bytes != int64(len(data)) || in.Err != nil {
			t.Errorf("%s: info %+v does not match the file", s.name, in)
		}
		if in.PacketsUsed == 0 {
			t.Errorf("%s: no packets used", s.name)
		}
	}
	if in := byPath[segs[0].name]; in.PacketsCut == 0 {
		t.Errorf("segment before the recording: nothing cut")
	}
	if in := byPath[segs[2].name]; in.Closed || in.TruncatedBytes == 0 || in.Samples >= int64(len(segs[2].src.packets)*960) {
		t.Errorf("torn segment: %+v", in)
	}
	if in := byPath[segs[3].name]; in.CorruptPages != 5 || in.MissingPages != 5 || in.PacketsCut == 0 || !in.Closed {
		t.Errorf("corrupt segment: %+v", in)
	}
	if in := byPath[segs[1].name]; in.Samples != int64(len(segs[1].src.packets)*960) || in.Duration != 3*time.Second || !in.Closed {
		t.Errorf("intact segment: %d samples, %v, closed %v", in.Samples, in.Duration, in.Closed)
	}
	if in := byPath["segments/ranchi/0006.ogg"]; !errors.Is(in.Err, oggopus.ErrNotOggOpus) {
		t.Errorf("garbage segment: err %v", in.Err)
	}
	if in := byPath["segments/ranchi/missing.ogg"]; !errors.Is(in.Err, fs.ErrNotExist) || in.Error == "" {
		t.Errorf("missing segment: err %v", in.Err)
	}

	// Never overwrite.
	if _, err := Room(root, "rooms/ranchi.ogg", refs, rec, end); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second stitch: %v, want fs.ErrExist", err)
	}
	if _, err := Room(root, "rooms/x.ogg", refs, end, rec); !errors.Is(err, ErrInvalidRange) {
		t.Errorf("end before start: %v", err)
	}
}

// TestStitchEmpty: a room that never connected gets a file of silence as
// long as the recording.
func TestStitchEmpty(t *testing.T) {
	root, _ := disktest.TempRoot(t)
	start := time.Unix(1700000000, 0)
	// 2.0013 s is 96062.4 samples: not a whole number of frames, yet the
	// pre-skip makes the silent file exactly 96062 samples long.
	res, err := Room(root, "rooms/absent.ogg", nil, start, start.Add(2*time.Second+1300*time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	data, err := root.ReadFile("rooms/absent.ogg")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(dec.PCM) != 96062 || res.Samples != 96062 || res.PreSkip != 418 {
		t.Errorf("%d samples (result %d), pre-skip %d", len(dec.PCM), res.Samples, res.PreSkip)
	}
	for _, r := range audiotest.RMS(dec.PCM, 960) {
		if r != 0 {
			t.Fatalf("not silent: RMS %g", r)
		}
	}
	info, err := root.Stat("rooms/absent.ogg")
	if err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, %v; want 0640", info.Mode(), err)
	}
}

// TestStitchSampleExact: the first segment's audio lands at exactly the
// sample its start implies and later ones within 60 samples (half the
// shortest frame): the stitched PCM matches each segment's own decoded PCM
// there.
func TestStitchSampleExact(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	rec := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	starts := []time.Duration{1001300 * time.Microsecond, 3004700 * time.Microsecond}
	var refs []SegmentRef
	var pcms [][]float32
	for k, st := range starts {
		src := newSource(t, time.Second, []audiotest.Burst{burst(200, 500, 500+200*float64(k))})
		name := capture.SegmentName("dumka", k+1)
		capturetest.WriteSegment(t, root, name, rec.Add(st), src.packets, false)
		dec, err := audiotest.DecodeOggFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		pcms = append(pcms, dec.PCM)
		refs = append(refs, SegmentRef{Path: name, Start: rec.Add(st)})
	}
	res, err := Room(root, "rooms/dumka.ogg", refs, rec, rec.Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(dir, "rooms", "dumka.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	if d := len(dec.PCM) - 5*48000; d < -60 || d > 60 {
		t.Errorf("%d samples, want %d ±60", len(dec.PCM), 5*48000)
	}
	for k, st := range starts {
		exact := oggopus.SamplesRounded(st)
		best, bestErr := 0, math.Inf(1)
		for shift := -120; shift <= 120; shift++ {
			var e float64
			for i, v := range pcms[k] {
				d := float64(dec.PCM[int(exact)+shift+i] - v)
				e += d * d
			}
			if e < bestErr {
				best, bestErr = shift, e
			}
		}
		limit := 60
		if k == 0 {
			limit = 0
		}
		t.Logf("segment %d: best shift %d, squared error %g", k, best, bestErr)
		if best < -limit || best > limit || bestErr > 1e-3 {
			t.Errorf("segment %d placed %d samples off its exact place (error %g), want within %d (pre-skip %d)", k, best, bestErr, limit, res.PreSkip)
		}
	}
}

// TestStitchForgedGranule: the last page of a crashed segment (no
// end-of-stream page, so a report estimates the recording's end from what
// the segment holds) carries a granule position 240 days ahead, with a valid
// checksum. The scan keeps the segment's true length, so the report's end
// and the stitch stay the recording's, with every packet where it was and
// the page reported.
func TestStitchForgedGranule(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	rec := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	src := newSource(t, 2*time.Second, []audiotest.Burst{burst(1500, 300, 600)})
	capturetest.WriteSegment(t, root, "s.ogg", rec, src.packets, true)
	data, err := os.ReadFile(filepath.Join(dir, "s.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	offs := audiotest.PageOffsets(t, data)
	k := len(offs) - 1
	pg, n, err := ogg.ParsePage(data[offs[k]:])
	if err != nil {
		t.Fatal(err)
	}
	pg.GranulePos += 1e12 // 240 days
	forged := append(append(append([]byte(nil), data[:offs[k]]...), pg.Encode()...), data[offs[k]+n:]...)
	if err := os.WriteFile(filepath.Join(dir, "forged.ogg"), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	honest, err := oggopus.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := oggopus.Scan(forged)
	if err != nil {
		t.Fatal(err)
	}
	if sc.BadGranules != 1 || sc.Samples() != honest.Samples() || sc.CorruptPages != 0 {
		t.Fatalf("forged scan: %d bad granules, %d samples (honest %d), %d corrupt pages", sc.BadGranules, sc.Samples(), honest.Samples(), sc.CorruptPages)
	}
	end := rec.Add(oggopus.Duration(sc.Samples())) // what the report would take as the end
	res, err := Room(root, "room.ogg", []SegmentRef{{Path: "forged.ogg", Start: rec}}, rec, end)
	if err != nil {
		t.Fatal(err)
	}
	in := res.Segments[0]
	if in.BadGranules != 1 || in.PacketsCut != 0 || in.PacketsUsed != len(honest.Packets)-1 {
		t.Errorf("segment info %+v, want 1 bad granule and all %d packets used", in, len(honest.Packets)-1)
	}
	out, err := root.ReadFile("room.ogg")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOgg(out)
	if err != nil {
		t.Fatal(err)
	}
	found := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
	if len(found) != 1 || found[0].At < 1500*time.Millisecond || found[0].At > 1540*time.Millisecond {
		t.Errorf("bursts %+v, want one at 1.5 s", found)
	}
}
