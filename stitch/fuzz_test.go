package stitch

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/capturetest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/oggopus"
)

// FuzzScanOgg feeds the report's segment reader arbitrary bytes, as a
// damaged disk might: it must never panic, no bytes may claim more audio
// than bytes can hold, and stitching what it reads (twice, as two segments
// that overlap) must still give a clean file of the recording's length.
// Stitching is done in memory (layOut, not Room: file creation and fsync
// per input would slow the fuzzer a hundredfold and add nothing to find).
func FuzzScanOgg(f *testing.F) {
	root, dir := disktest.TempRoot(f)
	rec := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	capturetest.WriteSegment(f, root, "seed.ogg", rec, newSource(f, 500*time.Millisecond, nil).packets, false)
	seed, err := os.ReadFile(dir + "/seed.ogg")
	if err != nil {
		f.Fatal(err)
	}
	root.Close()
	broken := bytes.Clone(seed)
	for _, off := range audiotest.PageOffsets(f, broken) {
		broken[off+22] ^= 0x5A
	}
	if !bytes.Equal(withValidCRCs(broken), seed) {
		f.Fatal("withValidCRCs does not restore the checksums the writer wrote")
	}
	offs := audiotest.PageOffsets(f, seed)
	forged := bytes.Clone(seed) // the last page claims to end 240 days in
	last := forged[offs[len(offs)-1]+6:]
	binary.LittleEndian.PutUint64(last, binary.LittleEndian.Uint64(last)+1e12)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add(withValidCRCs(forged))
	f.Add([]byte("OggS"))
	total := oggopus.SamplesRounded(2 * time.Second)
	segs := []SegmentRef{
		{Path: "a.ogg", Start: rec.Add(100 * time.Millisecond)},
		{Path: "b.ogg", Start: rec.Add(1100 * time.Millisecond)},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scanAndStitch(t, data, segs, total, rec)
		// The fuzzer cannot forge page checksums, so most of what it
		// changes inside pages only makes them corrupt. The same bytes
		// with every page's checksum made valid reach the page logic:
		// granule positions, lacing, continued packets, flags.
		if fixed := withValidCRCs(data); !bytes.Equal(fixed, data) {
			scanAndStitch(t, fixed, segs, total, rec)
		}
	})
}

func scanAndStitch(t *testing.T, data []byte, segs []SegmentRef, total int64, rec time.Time) {
	t.Helper()
	sc, err := oggopus.Scan(data)
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
	if n := sc.Samples(); n > int64(len(data))*oggopus.MaxSamplesPerByte {
		t.Fatalf("%d bytes claim %d samples", len(data), n)
	}
	var out bytes.Buffer
	res, err := layOut(&out, segs, []*oggopus.Stream{sc, sc}, make([]SegmentInfo, 2), total, rec)
	if err != nil {
		t.Fatal(err)
	}
	// Stitch's promise: the recording's length to within half a frame.
	if d := res.Samples - total; d < -oggopus.ShortestFrame/2 || d > oggopus.ShortestFrame/2 {
		t.Fatalf("stitched file plays %d samples, want %d", res.Samples, total)
	}
	back, err := oggopus.Scan(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !back.EOS || back.CorruptPages+back.MissingPages+back.InvalidPackets+back.BadGranules != 0 || back.Samples() != res.Samples {
		t.Fatalf("stitched file is not a clean stream of %d samples: %+v", res.Samples, back)
	}
}

// withValidCRCs returns a copy of data in which every "OggS" that starts a
// whole page (header, segment table and body within data) has a correct
// checksum, fixed from the last to the first so that an earlier page's
// checksum covers the fixes inside it.
func withValidCRCs(data []byte) []byte {
	out := bytes.Clone(data)
	for i := len(out) - 27; i >= 0; i-- {
		if string(out[i:i+4]) != "OggS" {
			continue
		}
		end := i + 27 + int(out[i+26])
		if end > len(out) {
			continue
		}
		for _, l := range out[i+27 : end] {
			end += int(l)
		}
		if end > len(out) {
			continue
		}
		clear(out[i+22 : i+26])
		binary.LittleEndian.PutUint32(out[i+22:], oggCRC(out[i:end]))
	}
	return out
}

// oggCRC is the Ogg page checksum (RFC 3533 section 6: polynomial
// 0x04c11db7, initial value 0, no reflection).
func oggCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
