package capture

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/oggopus"
)

// FuzzSegment drives the RTP → segment path with arbitrary packet
// sequences: sequence numbers and timestamps that jump, wrap and repeat,
// arrival times that stall, payloads that are real Opus or garbage, SSRC
// changes, sender reports and ticks without packets. It must never panic,
// the frames written must be contiguous, and the file must be a clean
// stream playing for as long as the wall time it covers, to within 20 ms.
//
// Each 5 bytes are one event: sequence number step (int8), timestamp step
// (int16, in 2.5 ms), arrival step (ms), and what comes: a real packet
// (below 50), a real packet from a new SSRC (255), a sender report (254), a
// Tick alone (253), padding (other multiples of 4) or garbage.
func FuzzSegment(f *testing.F) {
	src := newSource(f, time.Second, []audiotest.Burst{burst(100, 200, 500)}, false)
	f.Add([]byte{1, 0, 0, 20, 0, 1, 0, 0, 20, 1, 1, 0, 0, 20, 2})
	f.Add([]byte{1, 0, 0, 20, 0, 0, 0, 0, 20, 0, 255, 255, 255, 255, 3, 1, 0, 0, 200, 4})
	f.Add([]byte{1, 0, 0, 20, 0, 3, 0, 0, 20, 1, 0xfe, 0xff, 0, 0, 9, 1, 0, 0, 0, 2})
	f.Add([]byte{1, 0, 8, 20, 0, 0, 0, 0, 5, 254, 1, 0, 8, 20, 1, 0, 0, 0, 250, 253, 0, 0, 0, 250, 254, 1, 0, 8, 20, 2, 9, 0, 8, 20, 255, 1, 0, 8, 20, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		sc, _ := fuzzSegment(t, src, data, &out, Config{})
		if sc == nil {
			return
		}
		if !sc.EOS || sc.CorruptPages+sc.MissingPages+sc.InvalidPackets+sc.BadGranules != 0 {
			t.Fatalf("segment is not a clean stream: %+v", sc)
		}
		// The same on a disk that fills up now and then, with room for a
		// few seconds of pages: the file plays just as long, and holds the
		// same packets unless some had to be dropped (silence then stands
		// in for them).
		h := fnv.New64a()
		h.Write(data)
		d := &fuzzDisk{rng: rand.New(rand.NewPCG(h.Sum64(), 1))}
		fsc, fseg := fuzzSegment(t, src, data, d, Config{MaxHeld: 2 << 10})
		st := fseg.Stats()
		if !fsc.EOS || fsc.CorruptPages+fsc.InvalidPackets+fsc.BadGranules+int(fsc.SkippedBytes+fsc.TruncatedBytes) != 0 || st.DroppedBytes == 0 && fsc.MissingPages != 0 {
			t.Fatalf("segment on a flaky disk is not a clean stream: EOS %v, %d corrupt, %d missing pages, %d invalid packets, %d bad granules, %d skipped, %d truncated bytes; stats %+v",
				fsc.EOS, fsc.CorruptPages, fsc.MissingPages, fsc.InvalidPackets, fsc.BadGranules, fsc.SkippedBytes, fsc.TruncatedBytes, st)
		}
		if fsc.Samples() != sc.Samples() || st.WriteErrors != int64(d.failures) || st.HeldBytes != 0 {
			t.Fatalf("segment on a flaky disk plays %d samples, %d on a healthy one; stats %+v, %d failed writes", fsc.Samples(), sc.Samples(), st, d.failures)
		}
		if st.DroppedBytes == 0 {
			samePackets(t, fsc, sc)
		}
	})
}

// fuzzDisk is full or not at random at each write, taking part of a write
// (at random) when full, and never full for the last one (Close's).
type fuzzDisk struct {
	rng      *rand.Rand
	data     []byte
	full     bool
	failures int
	closing  bool
}

func (d *fuzzDisk) Write(p []byte) (int, error) {
	if d.rng.IntN(4) == 0 {
		d.full = !d.full
	}
	if !d.full || d.closing {
		d.data = append(d.data, p...)
		return len(p), nil
	}
	d.failures++
	n := d.rng.IntN(len(p))
	d.data = append(d.data, p[:n]...)
	return n, syscall.ENOSPC
}

func (d *fuzzDisk) Bytes() []byte { return d.data }

// fuzzSegment plays FuzzSegment's events into a segment writing to w and
// returns the scan of what w got, or nil if no packet was pushed.
func fuzzSegment(t *testing.T, src source, data []byte, w interface {
	io.Writer
	Bytes() []byte
}, cfg Config) (*oggopus.Stream, *Segment) {
	var written int64
	cfg.Sink = sinkFunc(func(fr oggopus.Frame) {
		if fr.Pos != written {
			t.Fatalf("%v frame at %d, after %d samples written", fr.Kind, fr.Pos, written)
		}
		written += int64(fr.Samples)
	})
	seg, err := NewSegment(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	now := start
	var seq uint16 = 1000
	var ts uint32 = 4000000000
	pk := &rtp.Packet{Header: rtp.Header{SSRC: 7}}
	pushed := false
	for len(data) >= 5 {
		seq += uint16(int8(data[0]))
		ts += uint32(int32(int16(binary.BigEndian.Uint16(data[1:3])))) * 120
		now = now.Add(time.Duration(data[3]) * time.Millisecond)
		var payload []byte
		switch k := int(data[4]); {
		case k < len(src.packets):
			payload = src.packets[k]
		case k == 255:
			pk.SSRC++
			payload = src.packets[int(data[0])%len(src.packets)]
		case k == 254:
			// Reserved (it fed an RTCP sender report, which segments no
			// longer take), so that stored inputs keep their meaning.
			data = data[5:]
			continue
		case k == 253:
			if err := seg.Tick(now); err != nil {
				t.Fatal(err)
			}
			data = data[5:]
			continue
		case k%4 == 0:
			payload = nil // padding only
		default:
			payload = data[:min(len(data), k%40)] // garbage
		}
		data = data[5:]
		if !pushed && len(payload) == 0 {
			continue
		}
		pk.SequenceNumber, pk.Timestamp, pk.Payload = seq, ts, payload
		if err := seg.Push(pk, now); err != nil {
			t.Fatal(err)
		}
		pushed = true
		if err := seg.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
	if !pushed {
		return nil, nil
	}
	end := now.Add(300 * time.Millisecond)
	if d, ok := w.(*fuzzDisk); ok {
		d.closing = true
	}
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	sc, err := oggopus.Scan(w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Samples(); got != written || got != seg.Stats().SamplesWritten {
		t.Fatalf("file plays %d samples, frames written %d, stats %d", got, written, seg.Stats().SamplesWritten)
	}
	want, tol := oggopus.Samples(end.Sub(seg.Start())), oggopus.Samples(20*time.Millisecond)
	if got := sc.Samples(); got < want-tol || got > want+tol {
		t.Fatalf("segment plays %d samples for %d of wall time (%v)", got, want, end.Sub(seg.Start()))
	}
	return sc, seg
}
