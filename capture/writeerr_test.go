package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/oggopus"
	"github.com/samvad/samvad/stitch"
	"github.com/thesyncim/gopus"
	"github.com/thesyncim/gopus/container/ogg"
)

// flakyDisk is a file on a disk that fills up. While full, a write first
// takes room more bytes (a short write: what still fitted) and then fails
// with err; with err nil it reports the short count without an error, which
// io.Writer forbids but a careless writer might do.
type flakyDisk struct {
	data     []byte
	full     bool
	room     int
	err      error
	failures int // writes that did not take everything
}

func (d *flakyDisk) Write(p []byte) (int, error) {
	if !d.full {
		d.data = append(d.data, p...)
		return len(p), nil
	}
	d.failures++
	n := min(d.room, len(p))
	d.room -= n
	d.data = append(d.data, p[:n]...)
	return n, d.err
}

// burstSource is n seconds of audio with a 200 ms burst starting 400 ms
// into every second, each at its own frequency, so every second of the
// file can be found again at its place.
func burstSource(t testing.TB, n int) source {
	var b []audiotest.Burst
	for k := range n {
		b = append(b, burst(400+1000*k, 200, float64(300+110*k)))
	}
	return newSource(t, time.Duration(n)*time.Second, b, false)
}

// feed pushes src into seg as a straight stream arriving in real time from
// t0, ticking every 20 ms, and calls before(i) ahead of packet i and after
// the last (i == len). Every Push and Tick must succeed.
func feed(t *testing.T, seg *Segment, src source, t0 time.Time, before func(i int)) time.Time {
	t.Helper()
	for i, pk := range src.packets {
		before(i)
		at := t0.Add(src.packetTime(i))
		if err := seg.PushPayload(uint16(i+40000), uint32(i*src.frame), pk, at); err != nil {
			t.Fatalf("packet %d: Push: %v", i, err)
		}
		if err := seg.Tick(at); err != nil {
			t.Fatalf("packet %d: Tick: %v", i, err)
		}
	}
	before(len(src.packets))
	return t0.Add(src.packetTime(len(src.packets)))
}

// contiguous is a Sink observer checking that frames come without
// holes or overlaps.
type contiguous struct {
	t       *testing.T
	samples int64
}

func (c *contiguous) frame(f oggopus.Frame) {
	if f.Pos != c.samples {
		c.t.Fatalf("%v frame at %d after %d samples", f.Kind, f.Pos, c.samples)
	}
	c.samples += int64(f.Samples)
}

// reference is what a segment on a healthy disk writes for src.
func reference(t *testing.T, src source) *oggopus.Stream {
	t.Helper()
	var buf bytes.Buffer
	seg, err := NewSegment(&buf, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	end := feed(t, seg, src, t0, func(int) {})
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	sc, err := oggopus.Scan(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// samePackets requires two scans to hold the same packets at the same
// places.
func samePackets(t *testing.T, got, want *oggopus.Stream) {
	t.Helper()
	if len(got.Packets) != len(want.Packets) {
		t.Fatalf("%d packets, want %d", len(got.Packets), len(want.Packets))
	}
	for k, p := range got.Packets {
		w := want.Packets[k]
		if p.Pos != w.Pos || p.Samples != w.Samples || !bytes.Equal(p.Data, w.Data) {
			t.Fatalf("packet %d: at %d, %d samples, %d bytes; want at %d, %d samples, %d bytes", k, p.Pos, p.Samples, len(p.Data), w.Pos, w.Samples, len(w.Data))
		}
	}
}

// cleanScan scans a segment file and requires it to be whole: every page
// valid and in sequence, nothing skipped or cut off, closed.
func cleanScan(t *testing.T, data []byte) *oggopus.Stream {
	t.Helper()
	sc, err := oggopus.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	if !sc.EOS || sc.CorruptPages != 0 || sc.MissingPages != 0 || sc.SkippedBytes != 0 || sc.TruncatedBytes != 0 || sc.BadGranules != 0 || sc.InvalidPackets != 0 {
		t.Fatalf("file not clean: EOS %v, %d corrupt, %d missing pages, %d skipped, %d truncated bytes, %d bad granules, %d invalid packets",
			sc.EOS, sc.CorruptPages, sc.MissingPages, sc.SkippedBytes, sc.TruncatedBytes, sc.BadGranules, sc.InvalidPackets)
	}
	return sc
}

// wholePages requires data to be whole Ogg pages but for a page cut short
// at the end, and returns the length of the cut page.
func wholePages(t *testing.T, data []byte) int {
	t.Helper()
	off := 0
	for off < len(data) {
		_, n, err := ogg.ParsePage(data[off:])
		if err != nil {
			break
		}
		off += n
	}
	cut := data[off:]
	if len(cut) == 0 {
		return 0
	}
	if !bytes.HasPrefix(cut, []byte("OggS")[:min(4, len(cut))]) || len(cut) >= 27 && len(cut) >= pageLen(cut) {
		t.Fatalf("file on disk: %d whole pages' bytes, then %d bytes that are not a page cut short", off, len(cut))
	}
	return len(cut)
}

// pagesInOrder requires the whole pages of data to have increasing sequence
// numbers and granule positions that never go back, and every gap in the
// sequence numbers to come right after silence pages: those that stand in
// for dropped pages take the first of their numbers.
func pagesInOrder(t *testing.T, data []byte) {
	t.Helper()
	var seq uint32
	var gran uint64
	silent := false
	for off, k := 0, 0; off < len(data); k++ {
		pg, n, err := ogg.ParsePage(data[off:])
		if err != nil {
			return
		}
		if k > 0 && (pg.PageSequence <= seq || pg.GranulePos < gran) {
			t.Fatalf("page %d: sequence %d granule %d after %d, %d", k, pg.PageSequence, pg.GranulePos, seq, gran)
		}
		if k > 0 && pg.PageSequence != seq+1 && !silent {
			t.Fatalf("page %d: sequence %d after %d, and not after silence", k, pg.PageSequence, seq)
		}
		silent = k > 2
		for _, p := range pg.Packets() {
			silent = silent && oggopus.IsSilence(p)
		}
		seq, gran = pg.PageSequence, pg.GranulePos
		off += n
	}
}

// TestSegmentSmallHoldOnHealthyDisk: a hold bound below what a flush
// interval gathers makes a healthy segment write sooner, not drop pages.
func TestSegmentSmallHoldOnHealthyDisk(t *testing.T) {
	src := burstSource(t, 8)
	d := &flakyDisk{}
	seg, err := NewSegment(d, Config{MaxHeld: 2 << 10, FlushInterval: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	end := feed(t, seg, src, time.Unix(1700000000, 0), func(int) {})
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	if st := seg.Stats(); st.DroppedBytes != 0 || st.WriteErrors != 0 {
		t.Errorf("stats %+v", st)
	}
	samePackets(t, cleanScan(t, d.data), reference(t, src))
}

// TestSegmentHoldsWhileDiskFull: the disk is full for 11 s of a 20 s
// connection (and, in one case, from before the segment starts). Push and
// Tick carry on without error, the observer sees every frame, WriteErr
// reports the failure and then the recovery, and the file ends up with
// exactly the packets a healthy disk gets: every burst at its wall-clock
// place, nothing lost.
func TestSegmentHoldsWhileDiskFull(t *testing.T) {
	src := burstSource(t, 20)
	want := reference(t, src)
	for _, c := range []struct {
		name     string
		err      error // what the disk returns
		room     int   // bytes a failing write still takes
		wantErr  error // what WriteErr wraps
		from, to int   // packets
	}{
		{name: "ENOSPC", err: syscall.ENOSPC, wantErr: syscall.ENOSPC, from: 150, to: 700},
		{name: "short write then ENOSPC", err: syscall.ENOSPC, room: 57, wantErr: syscall.ENOSPC, from: 150, to: 700},
		{name: "EIO", err: syscall.EIO, wantErr: syscall.EIO, from: 150, to: 700},
		{name: "short count without error", room: 1001, wantErr: io.ErrShortWrite, from: 150, to: 700},
		{name: "full from the start", err: syscall.ENOSPC, room: 30, wantErr: syscall.ENOSPC, from: -1, to: 300},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &flakyDisk{full: c.from < 0, room: c.room, err: c.err}
			obs := &contiguous{t: t}
			seg, err := NewSegment(d, Config{Sink: sinkFunc(obs.frame)})
			if err != nil {
				t.Fatalf("NewSegment: %v", err)
			}
			t0 := time.Unix(1700000000, 0)
			var onDisk, peak int
			end := feed(t, seg, src, t0, func(i int) {
				st := seg.Stats()
				switch {
				case i == c.from:
					d.full = true
					onDisk = len(d.data)
				case i == c.to:
					// One attempt per flush interval (25 packets), no more.
					if n := int64((c.to - max(c.from, 0)) / 25); st.WriteRecoveries != 0 || st.WriteErrors != int64(d.failures) || st.WriteErrors < n-1 || st.WriteErrors > n+1 {
						t.Errorf("end of the outage: %d failed writes (the disk saw %d), %d recoveries", st.WriteErrors, d.failures, st.WriteRecoveries)
					}
					if c.room > 0 && wholePages(t, d.data) == 0 {
						t.Errorf("short write: the file does not end in a cut page")
					}
					peak = int(st.HeldBytes)
					d.full = false
				case i == c.to+30: // 600 ms later
					if err := seg.WriteErr(); err != nil || st.WriteRecoveries != 1 || st.HeldBytes > 4096 {
						t.Errorf("600 ms after the disk has room again: WriteErr %v, %d recoveries, %d bytes held", err, st.WriteRecoveries, st.HeldBytes)
					}
				case i > c.from+25 && i < c.to: // a flush interval into the outage
					if err := seg.WriteErr(); !errors.Is(err, c.wantErr) {
						t.Fatalf("packet %d, disk full: WriteErr %v, want %v", i, err, c.wantErr)
					}
					if c.from >= 0 && len(d.data) != onDisk+c.room {
						t.Fatalf("packet %d: the file grew from %d to %d bytes on a full disk taking %d", i, onDisk, len(d.data), c.room)
					}
				}
				if i < c.to && seg.WriteErr() == nil && d.full && i > max(c.from, 0)+25 {
					t.Fatalf("packet %d: disk full, WriteErr nil", i)
				}
			})
			if outage := c.to - max(c.from, 0); peak < outage*40 {
				t.Errorf("only %d bytes held at the end of a %d-packet outage", peak, outage)
			}
			if err := seg.Close(end); err != nil {
				t.Fatal(err)
			}
			st := seg.Stats()
			if st.WriteRecoveries != 1 || st.HeldBytes != 0 || st.DroppedBytes != 0 || st.DroppedMs != 0 || st.WriteErrors != int64(d.failures) {
				t.Errorf("stats after Close: %+v", st)
			}
			if obs.samples != st.SamplesWritten {
				t.Errorf("observer saw %d samples, segment wrote %d", obs.samples, st.SamplesWritten)
			}
			samePackets(t, cleanScan(t, d.data), want)
			verify(t, d.data, src, straight(src, 0, 0))
		})
	}
}

// TestSegmentCloseOnFullDisk: Close cannot write what is held, says so, and
// the file holds what was written before, as after a crash.
func TestSegmentCloseOnFullDisk(t *testing.T) {
	src := burstSource(t, 6)
	d := &flakyDisk{room: 10, err: syscall.ENOSPC}
	seg, err := NewSegment(d, Config{})
	if err != nil {
		t.Fatal(err)
	}
	end := feed(t, seg, src, time.Unix(1700000000, 0), func(i int) { d.full = d.full || i == 150 })
	err = seg.Close(end)
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(seg.WriteErr(), syscall.ENOSPC) {
		t.Fatalf("Close: %v, WriteErr %v; want ENOSPC", err, seg.WriteErr())
	}
	if st := seg.Stats(); st.HeldBytes == 0 || st.WriteRecoveries != 0 {
		t.Errorf("stats: %+v", st)
	}
	dec, err := audiotest.DecodeOgg(d.data)
	if err != nil {
		t.Fatal(err)
	}
	if got := audiotest.Duration(len(dec.PCM)); dec.EOS || got < 2500*time.Millisecond || got > 3*time.Second {
		t.Errorf("file plays %v (EOS %v); want the 2.5 to 3 s written before the disk filled", got, dec.EOS)
	}
	if err := seg.Tick(end); !errors.Is(err, ErrClosed) {
		t.Errorf("Tick after Close: %v", err)
	}
}

// TestSegmentHoldIsBounded: a 16 s outage with room for about 5 s of pages.
// The hold never exceeds MaxHeld; the oldest pages are dropped whole and
// silence stands in for them, so the file still plays for the wall time it
// covers, with the audio before the outage and the audio after the dropped
// stretch at their wall-clock places, for a player and for stitching.
func TestSegmentHoldIsBounded(t *testing.T) {
	const maxHeld = 16 << 10
	src := burstSource(t, 24)
	d := &flakyDisk{room: 23, err: syscall.ENOSPC}
	seg, err := NewSegment(d, Config{MaxHeld: maxHeld})
	if err != nil {
		t.Fatal(err)
	}
	const from, to = 150, 950 // 3 s to 19 s
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	end := feed(t, seg, src, t0, func(i int) {
		if i == from {
			d.full = true
		}
		if i == to {
			d.full = false
		}
		if h := seg.Stats().HeldBytes; h > maxHeld {
			t.Fatalf("packet %d: %d bytes held, bound %d", i, h, maxHeld)
		}
	})
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	st := seg.Stats()
	// The pages of 16 s, less what fits in 16 KiB, less what the last
	// successful flush wrote before the outage.
	outage := src.packetTime(to - from)
	dropped := time.Duration(st.DroppedMs) * time.Millisecond
	if st.DroppedBytes == 0 || dropped < outage-7*time.Second || dropped > outage-3*time.Second || st.WriteRecoveries != 1 || st.HeldBytes != 0 {
		t.Fatalf("stats: %+v; want about %v dropped", st, outage-5*time.Second)
	}
	pagesInOrder(t, d.data)
	sc, err := oggopus.Scan(d.data)
	if err != nil {
		t.Fatal(err)
	}
	if !sc.EOS || sc.MissingPages == 0 || sc.CorruptPages != 0 || sc.SkippedBytes != 0 || sc.TruncatedBytes != 0 || sc.BadGranules != 0 {
		t.Errorf("scan: EOS %v, %d corrupt, %d missing pages, %d skipped, %d truncated bytes, %d bad granules",
			sc.EOS, sc.CorruptPages, sc.MissingPages, sc.SkippedBytes, sc.TruncatedBytes, sc.BadGranules)
	}

	// Which bursts survive: those before the outage (the dropped stretch
	// begins at the last flush before it, up to 500 ms earlier) and those
	// after the dropped stretch.
	look, err := audiotest.EncoderLookahead(gopus.ApplicationVoIP)
	if err != nil {
		t.Fatal(err)
	}
	fail := src.packetTime(from)
	var kept, lost []wantBurst
	for _, b := range src.bursts {
		switch {
		case b.At+b.Dur < fail-DefaultFlushInterval-20*time.Millisecond, b.At > fail+dropped+20*time.Millisecond:
			kept = append(kept, wantBurst{b.At + audiotest.Duration(look), b.Freq})
		case b.At > fail && b.At+b.Dur < fail-DefaultFlushInterval+dropped:
			lost = append(lost, wantBurst{b.At + audiotest.Duration(look), b.Freq})
		}
	}
	if len(kept) < 12 || len(lost) < 7 {
		t.Fatalf("%d bursts kept, %d lost: the test no longer tests", len(kept), len(lost))
	}
	check := func(what string, pcm []float32, offset time.Duration) {
		t.Helper()
		found := audiotest.DetectBursts(pcm, audiotest.DetectConfig{})
		for _, w := range kept {
			ok := false
			for _, f := range found {
				if math.Abs(f.Freq-w.hz) <= 15 {
					ok = true
					if d := f.At - offset - w.at; d < -tolerance || d > tolerance {
						t.Errorf("%s: %v Hz burst at %v, wall clock says %v", what, w.hz, f.At-offset, w.at)
					}
				}
			}
			if !ok {
				t.Errorf("%s: %v Hz burst (at %v) missing", what, w.hz, w.at)
			}
		}
		for _, w := range lost {
			for _, f := range found {
				if math.Abs(f.Freq-w.hz) <= 15 {
					t.Errorf("%s: %v Hz burst at %v, which was dropped", what, w.hz, f.At-offset)
				}
			}
		}
	}

	// A player plays the file for as long as the connection lasted.
	dec, err := audiotest.DecodeOgg(d.data)
	if err != nil {
		t.Fatal(err)
	}
	wall := end.Sub(t0)
	if got := audiotest.Duration(len(dec.PCM)); !dec.EOS || dec.Stopped != nil || got < wall-tolerance || got > wall+tolerance {
		t.Errorf("segment plays %v (EOS %v, stopped %v), wall clock covered %v", got, dec.EOS, dec.Stopped, wall)
	}
	check("segment", dec.PCM, 0)

	// Stitched into a recording that began a second before the room joined.
	root, dir := disktest.TempRoot(t)
	name := SegmentName("pakur", 1)
	if err := root.MkdirAll("segments/pakur", 0o750); err != nil {
		t.Fatal(err)
	}
	if err := root.WriteFile(name, d.data, 0o640); err != nil {
		t.Fatal(err)
	}
	rec := t0.Add(-time.Second)
	res, err := stitch.Room(root, "rooms/pakur.ogg", []stitch.SegmentRef{{Path: name, Start: t0}}, rec, end.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if in := res.Segments[0]; in.MissingPages == 0 || in.BadGranules != 0 || in.Err != nil {
		t.Errorf("stitch: %+v", in)
	}
	sdec, err := audiotest.DecodeOggFile(filepath.Join(dir, "rooms", "pakur.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	if got := audiotest.Duration(len(sdec.PCM)); got < wall+2*time.Second-tolerance || got > wall+2*time.Second+tolerance {
		t.Errorf("stitched file plays %v, want %v", got, wall+2*time.Second)
	}
	check("stitched", sdec.PCM, time.Second)
}

// TestSegmentFlakyDiskRandom drives segments through random outages, short
// writes and hold bounds. Whatever happens, Push and Tick never fail, the
// hold stays within its bound, the file on disk is only ever whole pages
// but for a page cut by the latest failed write, and the closed file plays
// for the wall time it covers; with nothing dropped it holds exactly what a
// healthy disk gets.
func TestSegmentFlakyDiskRandom(t *testing.T) {
	src := burstSource(t, 12)
	want := reference(t, src)
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 7))
		maxHeld := []int{3 << 10, 8 << 10, 20 << 10, 0}[seed%4]
		t.Run(fmt.Sprintf("seed %d max %d", seed, maxHeld), func(t *testing.T) {
			d := &flakyDisk{err: syscall.ENOSPC, full: rng.IntN(4) == 0}
			seg, err := NewSegment(d, Config{MaxHeld: maxHeld, FlushInterval: time.Duration(100+rng.IntN(500)) * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			bound := maxHeld
			if bound == 0 {
				bound = DefaultMaxHeld
			}
			t0 := time.Unix(1700000000, 0)
			end := feed(t, seg, src, t0, func(i int) {
				if d.full && rng.IntN(150) == 0 || !d.full && rng.IntN(100) == 0 { // outages of 3 s on average
					d.full = !d.full
					d.room = rng.IntN(200)
				}
				if i == len(src.packets) {
					d.full = false // Close must get through
				}
				if h := seg.Stats().HeldBytes; h > int64(bound) {
					t.Fatalf("packet %d: %d bytes held, bound %d", i, h, bound)
				}
				if i%25 == 0 {
					wholePages(t, d.data)
				}
			})
			if err := seg.Close(end); err != nil {
				t.Fatal(err)
			}
			st := seg.Stats()
			if st.WriteErrors != int64(d.failures) || st.HeldBytes != 0 {
				t.Errorf("stats %+v, the disk failed %d writes", st, d.failures)
			}
			pagesInOrder(t, d.data)
			sc, err := oggopus.Scan(d.data)
			if err != nil {
				t.Fatal(err)
			}
			if !sc.EOS || sc.CorruptPages != 0 || sc.SkippedBytes != 0 || sc.TruncatedBytes != 0 || sc.BadGranules != 0 || st.DroppedBytes == 0 && sc.MissingPages != 0 {
				t.Errorf("scan: EOS %v, %d corrupt, %d missing pages, %d skipped, %d truncated bytes, %d bad granules; stats %+v",
					sc.EOS, sc.CorruptPages, sc.MissingPages, sc.SkippedBytes, sc.TruncatedBytes, sc.BadGranules, st)
			}
			if st.DroppedBytes == 0 {
				samePackets(t, sc, want)
			}
			dec, err := audiotest.DecodeOgg(d.data)
			if err != nil {
				t.Fatal(err)
			}
			wall := end.Sub(t0)
			if got := audiotest.Duration(len(dec.PCM)); !dec.EOS || dec.Stopped != nil || got < wall-tolerance || got > wall+tolerance {
				t.Errorf("plays %v (EOS %v, stopped %v), wall clock covered %v; stats %+v", got, dec.EOS, dec.Stopped, wall, st)
			}
			t.Logf("%d failed writes, %d recoveries, %d bytes (%d ms) dropped", st.WriteErrors, st.WriteRecoveries, st.DroppedBytes, st.DroppedMs)
		})
	}
}

// TestSegmentLongOutageSmallHold: 74 s on a full disk with an 8 KiB hold,
// whose half holds 30.6 s of the silence standing in for dropped pages. The
// hold stays bounded, the silence is capped there (the older part of the
// gap is left out of the stream: a player closes it up), and oggopus.Scan and
// stitching still place the audio after the outage at its wall-clock place by
// its granule position.
func TestSegmentLongOutageSmallHold(t *testing.T) {
	const maxHeld = 8 << 10
	four := fourSeconds(t, false)
	var src source
	src.frame = four.frame
	for r := range 20 {
		src.packets = append(src.packets, four.packets...)
		for _, b := range four.bursts {
			b.At += time.Duration(r) * 4 * time.Second
			src.bursts = append(src.bursts, b)
		}
	}
	d := &flakyDisk{err: syscall.ENOSPC}
	seg, err := NewSegment(d, Config{MaxHeld: maxHeld})
	if err != nil {
		t.Fatal(err)
	}
	const from, to = 100, 3800 // 2 s to 76 s
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	end := feed(t, seg, src, t0, func(i int) {
		d.full = i >= from && i < to
		if h := seg.Stats().HeldBytes; h > maxHeld {
			t.Fatalf("packet %d: %d bytes held, bound %d", i, h, maxHeld)
		}
	})
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	st := seg.Stats()
	if dropped := time.Duration(st.DroppedMs) * time.Millisecond; dropped < 70*time.Second || dropped > 74*time.Second {
		t.Errorf("%v dropped of a 74 s outage", dropped)
	}
	pagesInOrder(t, d.data)
	sc, err := oggopus.Scan(d.data)
	if err != nil {
		t.Fatal(err)
	}
	if !sc.EOS || sc.CorruptPages != 0 || sc.BadGranules != 0 || sc.MissingPages == 0 {
		t.Errorf("scan: EOS %v, %d corrupt, %d missing pages, %d bad granules", sc.EOS, sc.CorruptPages, sc.MissingPages, sc.BadGranules)
	}
	var silence int64
	for _, p := range sc.Packets {
		if oggopus.IsSilence(p.Data) && p.Samples == oggopus.MaxPacketSamples {
			silence += int64(p.Samples)
		}
	}
	if cap := int64(gapPageSamples); silence > cap || silence < cap-oggopus.SampleRate {
		t.Errorf("%v of silence stands in for the dropped pages, want the cap, %v", oggopus.Duration(silence), oggopus.Duration(cap))
	}
	dec, err := audiotest.DecodeOgg(d.data)
	if err != nil {
		t.Fatal(err)
	}
	// oggopus.Scan places by granule position: as long as the wall clock. A
	// player closes up the part of the gap left out: 74 s less the 2.4 s
	// still held and the 30.6 s of silence.
	wall, placed, played := end.Sub(t0), oggopus.Duration(sc.Samples()), audiotest.Duration(len(dec.PCM))
	if placed < wall-tolerance || placed > wall+tolerance || played > wall-30*time.Second || played < wall-50*time.Second {
		t.Errorf("wall clock %v; oggopus.Scan places %v, a player plays %v", wall, placed, played)
	}

	root, dir := disktest.TempRoot(t)
	if err := root.WriteFile("0001.ogg", d.data, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := stitch.Room(root, "room.ogg", []stitch.SegmentRef{{Path: "0001.ogg", Start: t0}}, t0, end); err != nil {
		t.Fatal(err)
	}
	sdec, err := audiotest.DecodeOggFile(filepath.Join(dir, "room.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	look, err := audiotest.EncoderLookahead(gopus.ApplicationVoIP)
	if err != nil {
		t.Fatal(err)
	}
	// Kept: the bursts written before the outage (the dropped stretch
	// starts at the last flush before it) and those after the dropped
	// stretch; lost: those inside it.
	fail := src.packetTime(from)
	dropped := time.Duration(st.DroppedMs) * time.Millisecond
	found := audiotest.DetectBursts(sdec.PCM, audiotest.DetectConfig{})
	kept, lost := 0, 0
	for _, b := range src.bursts {
		at := b.At + audiotest.Duration(look)
		var hit *audiotest.Onset
		for k := range found {
			if d := found[k].At - at; d >= -tolerance && d <= tolerance && math.Abs(found[k].Freq-b.Freq) <= 15 {
				hit = &found[k]
			}
		}
		switch {
		case b.At+b.Dur < fail-DefaultFlushInterval-20*time.Millisecond, b.At > fail+dropped+20*time.Millisecond:
			kept++
			if hit == nil {
				t.Errorf("stitched: %v Hz burst at %v missing", b.Freq, b.At)
			}
		case b.At > fail && b.At+b.Dur < fail-DefaultFlushInterval+dropped:
			lost++
			if hit != nil {
				t.Errorf("stitched: %v Hz burst at %v, which was dropped", b.Freq, b.At)
			}
		}
	}
	if kept < 5 || lost < 100 || len(found) > kept+2 {
		t.Errorf("%d bursts kept, %d lost, %d found", kept, lost, len(found))
	}
}
