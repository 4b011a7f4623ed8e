package recorder

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
)

// FuzzSegment drives the RTP → segment path with arbitrary packet
// sequences: sequence numbers and timestamps that jump, wrap and repeat,
// arrival times that stall, payloads that are real Opus or garbage. It must
// never panic, and the file must always play for as long as the wall time
// it covers.
func FuzzSegment(f *testing.F) {
	src := newSource(f, time.Second, []audiotest.Burst{burst(100, 200, 500)}, false)
	f.Add([]byte{1, 0, 0, 20, 0, 1, 0, 0, 20, 1, 1, 0, 0, 20, 2})
	f.Add([]byte{1, 0, 0, 20, 0, 0, 0, 0, 20, 0, 255, 255, 255, 255, 3, 1, 0, 0, 200, 4})
	f.Add([]byte{1, 0, 0, 20, 0, 3, 0, 0, 20, 1, 0xfe, 0xff, 0, 0, 9, 1, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		seg, err := NewSegment(&out, Config{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
		now := start
		var seq uint16 = 1000
		var ts uint32 = 4000000000
		pushed := false
		for len(data) >= 5 {
			seq += uint16(int8(data[0]))
			ts += uint32(int32(int16(binary.BigEndian.Uint16(data[1:3])))) * 120
			now = now.Add(time.Duration(data[3]) * time.Millisecond)
			var payload []byte
			switch k := int(data[4]); {
			case k < len(src.packets):
				payload = src.packets[k]
			case k%4 == 0:
				payload = nil // padding only
			default:
				payload = data[:min(len(data), k%40)] // garbage
			}
			data = data[5:]
			if !pushed && len(payload) == 0 {
				continue
			}
			if err := seg.PushPayload(seq, ts, payload, now); err != nil {
				t.Fatal(err)
			}
			pushed = true
			if err := seg.Tick(now); err != nil {
				t.Fatal(err)
			}
		}
		if !pushed {
			return
		}
		end := now.Add(300 * time.Millisecond)
		if err := seg.Close(end); err != nil {
			t.Fatal(err)
		}
		sc, err := ScanOgg(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !sc.EOS || sc.CorruptPages > 0 || sc.InvalidPackets > 0 {
			t.Fatalf("segment is not a clean stream: %+v", sc)
		}
		want, tol := samplesOf(end.Sub(seg.Start())), samplesOf(20*time.Millisecond)
		if got := sc.Samples(); got < want-tol || got > want+tol {
			t.Fatalf("segment plays %d samples for %d of wall time (%v)", got, want, end.Sub(seg.Start()))
		}
	})
}

// FuzzScanOgg feeds the report's segment reader arbitrary bytes, as a
// damaged disk might: it must never panic, no bytes may claim more audio
// than bytes can hold, and stitching what it reads (twice, as two segments
// that overlap) must still give a clean file of the recording's length.
// Stitching is done in memory (stitch, not Stitch: file creation and fsync
// per input would slow the fuzzer a hundredfold and add nothing to find).
func FuzzScanOgg(f *testing.F) {
	dir := f.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		f.Fatal(err)
	}
	rec := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	writeSegment(f, root, "seed.ogg", rec, newSource(f, 500*time.Millisecond, nil, false), false)
	seed, err := os.ReadFile(dir + "/seed.ogg")
	if err != nil {
		f.Fatal(err)
	}
	root.Close()
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("OggS"))
	total := samplesRounded(2 * time.Second)
	segs := []SegmentRef{
		{Path: "a.ogg", Start: rec.Add(100 * time.Millisecond)},
		{Path: "b.ogg", Start: rec.Add(1100 * time.Millisecond)},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ScanOgg(data)
		if err != nil {
			return
		}
		for _, p := range sc.Packets {
			if p.Samples <= 0 || len(p.Data) == 0 {
				t.Fatalf("packet of %d samples, %d bytes", p.Samples, len(p.Data))
			}
		}
		// The report takes a crashed recording's end from Samples(): no
		// bytes may claim more audio than bytes can hold.
		if n := sc.Samples(); n > int64(len(data))*maxSamplesPerByte {
			t.Fatalf("%d bytes claim %d samples", len(data), n)
		}
		var out bytes.Buffer
		res, err := stitch(&out, segs, []*Scan{sc, sc}, make([]SegmentInfo, 2), total, rec)
		if err != nil {
			t.Fatal(err)
		}
		// Stitch's promise: the recording's length to within half a frame.
		if d := res.Samples - total; d < -frameQuantum/2 || d > frameQuantum/2 {
			t.Fatalf("stitched file plays %d samples, want %d", res.Samples, total)
		}
		back, err := ScanOgg(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !back.EOS || back.CorruptPages+back.MissingPages+back.InvalidPackets+back.BadGranules != 0 || back.Samples() != res.Samples {
			t.Fatalf("stitched file is not a clean stream of %d samples: %+v", res.Samples, back)
		}
	})
}
