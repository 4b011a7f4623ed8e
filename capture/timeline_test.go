package capture

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/samvad/samvad/oggopus"
)

// recEmitter records what a timeline writes, and how far it moved its start.
type recEmitter struct {
	frames []oggopus.Frame
	moved  int64
}

func (r *recEmitter) moveStart(d int64) { r.moved += d }

func (r *recEmitter) emit(f oggopus.Frame) error {
	f.Packet = bytes.Clone(f.Packet)
	r.frames = append(r.frames, f)
	return nil
}

// tp is a test packet: RTP time, arrival in ms since the first packet,
// sequence numbers lost before it, duration (default 960).
type tp struct {
	ts    int64
	arrMs float64
	lost  int64
	n     int
}

func ms(v float64) int64 { return int64(v * oggopus.SampleRate / 1000) }

// runTimeline feeds packets (identified by their index in the payload) and
// checks the invariant every test relies on: frames are contiguous.
func runTimeline(t *testing.T, pkts []tp, hook func(i int, tl *timeline)) (*recEmitter, *Stats, *timeline) {
	t.Helper()
	rec := &recEmitter{}
	st := &Stats{}
	tl := newTimeline(rec, st)
	for i, p := range pkts {
		if hook != nil {
			hook(i, &tl)
		}
		n := p.n
		if n == 0 {
			n = 960
		}
		// Arrivals count from the start, which moveStart moves back.
		err := tl.place(arrivingPacket{uts: p.ts, arr: ms(p.arrMs) + rec.moved, data: []byte{0xF8, byte(i >> 8), byte(i)}, samples: n, lost: p.lost})
		if err != nil {
			t.Fatal(err)
		}
	}
	var pos int64
	for i, f := range rec.frames {
		if f.Pos != pos {
			t.Fatalf("frame %d at %d, want %d (not contiguous)", i, f.Pos, pos)
		}
		pos += int64(f.Samples)
	}
	if pos != tl.pos || st.SamplesWritten != pos {
		t.Fatalf("timeline pos %d, stats %d, frames sum %d", tl.pos, st.SamplesWritten, pos)
	}
	return rec, st, &tl
}

// audioAt maps packet index to the position it was written at, counted
// from the first packet's arrival as the test's arrivals are (the file's
// position 0 is earlier by the start's moves).
func audioAt(rec *recEmitter) map[int]int64 {
	m := map[int]int64{}
	for _, f := range rec.frames {
		if f.Kind == oggopus.FrameAudio {
			m[int(f.Packet[1])<<8|int(f.Packet[2])] = f.Pos - rec.moved
		}
	}
	return m
}

func seq(n int, ts0 int64, arr0 float64) []tp {
	var out []tp
	for i := 0; i < n; i++ {
		out = append(out, tp{ts: ts0 + int64(i)*960, arrMs: arr0 + float64(i)*20})
	}
	return out
}

func cat(parts ...[]tp) []tp {
	var out []tp
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTimelinePlacement(t *testing.T) {
	cases := []struct {
		name string
		pkts []tp
		want map[int]float64 // packet index -> position in ms; missing = dropped
		end  float64         // final position in ms
		kind string          // sequence of frame kinds, run-length: "A5 P1 A1"
		st   Stats           // only the non-zero fields named here are checked
	}{
		{
			name: "contiguous",
			pkts: seq(5, 1000, 0),
			want: map[int]float64{0: 0, 1: 20, 2: 40, 3: 60, 4: 80}, end: 100, kind: "A5",
		},
		{
			name: "first audio after padding-only packets starts at its arrival",
			pkts: []tp{{ts: 0, arrMs: 51}, {ts: 960, arrMs: 71}},
			want: map[int]float64{0: 50, 1: 70}, end: 90, kind: "S3 A2",
			st: Stats{SilenceSamples: ms(50)},
		},
		{
			name: "one lost packet is concealed",
			pkts: []tp{{ts: 0}, {ts: 960, arrMs: 20}, {ts: 2880, arrMs: 60, lost: 1}},
			want: map[int]float64{0: 0, 1: 20, 2: 60}, end: 80, kind: "A2 P1 A1",
			st: Stats{FramesConcealed: 1},
		},
		{
			name: "60 ms lost is concealed",
			pkts: []tp{{ts: 0}, {ts: 4 * 960, arrMs: 80, lost: 3}},
			want: map[int]float64{0: 0, 1: 80}, end: 100, kind: "A1 P3 A1",
			st: Stats{FramesConcealed: 3},
		},
		{
			name: "long loss is silence",
			pkts: []tp{{ts: 0}, {ts: 6 * 960, arrMs: 120, lost: 5}},
			want: map[int]float64{0: 0, 1: 120}, end: 140, kind: "A1 S5 A1",
			st: Stats{SilenceSamples: ms(100)},
		},
		{
			name: "DTX: timestamps jump, sequence does not",
			pkts: []tp{{ts: 0}, {ts: 960, arrMs: 20}, {ts: 1920 + 48000, arrMs: 1040}},
			want: map[int]float64{0: 0, 1: 20, 2: 1040}, end: 1060, kind: "A2 S10 A1",
			st: Stats{SilenceSamples: ms(1000)},
		},
		{
			name: "pause with frozen timestamps re-anchors by arrival",
			pkts: cat(seq(3, 0, 0), seq(3, 3*960, 3060)),
			want: map[int]float64{0: 0, 1: 20, 2: 40, 3: 3060, 4: 3080, 5: 3100}, end: 3120,
			st: Stats{Reanchors: 1, SilenceSamples: ms(3000)},
		},
		{
			name: "timestamp jump ahead of arrival",
			pkts: cat(seq(3, 0, 0), seq(3, 3*960+10_000_000, 60)),
			want: map[int]float64{0: 0, 1: 20, 2: 40, 3: 60, 4: 80, 5: 100}, end: 120, kind: "A6",
			st: Stats{TimestampJumps: 1},
		},
		{
			name: "timestamp jump backwards with steady arrival",
			pkts: cat(seq(3, 500_000, 0), seq(3, 1000, 60)),
			want: map[int]float64{0: 0, 1: 20, 2: 40, 3: 60, 4: 80, 5: 100}, end: 120, kind: "A6",
			st: Stats{Reanchors: 1},
		},
		{
			// Released in sequence order after a packet that arrived later
			// (its sequence number came first), a packet whose timestamp
			// jumped belongs, by arrival, where the file is already written:
			// it is late, and the lag baseline keeps the others on the wall
			// clock (no drift correction drops them, and the end stays level
			// with the last arrival).
			name: "re-anchored packet whose arrival time is already written",
			pkts: []tp{{ts: 0}, {ts: 1_000_000, arrMs: 150, lost: 55}, {ts: 500_000, arrMs: 90}, {ts: 1_000_960, arrMs: 170}, {ts: 1_001_920, arrMs: 190}},
			want: map[int]float64{0: 0, 1: 150, 3: 170, 4: 190}, end: 210, kind: "A1 S2 A3",
			st: Stats{TimestampJumps: 2, Reanchors: 1, LateDropped: 1, SilenceSamples: ms(130)},
		},
		{
			name: "jitter below the thresholds changes nothing",
			pkts: []tp{{ts: 0}, {ts: 960, arrMs: 35}, {ts: 1920, arrMs: 41}, {ts: 2880, arrMs: 90}, {ts: 3840, arrMs: 81}},
			want: map[int]float64{0: 0, 1: 20, 2: 40, 3: 60, 4: 80}, end: 100, kind: "A5",
		},
		{
			name: "mixed frame durations",
			pkts: []tp{{ts: 0, n: 480}, {ts: 480, arrMs: 10, n: 2880}, {ts: 3360, arrMs: 70, n: 120}, {ts: 3480, arrMs: 72.5}},
			want: map[int]float64{0: 0, 1: 10, 2: 70, 3: 72.5}, end: 92.5, kind: "A4",
		},
		{
			name: "odd timestamp gap is rounded to 2.5 ms",
			pkts: []tp{{ts: 0}, {ts: 960 + 500, arrMs: 30}, {ts: 2420, arrMs: 50}},
			want: map[int]float64{0: 0, 1: 30, 2: 50}, end: 70,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, st, tl := runTimeline(t, c.pkts, nil)
			got := audioAt(rec)
			if len(got) != len(c.want) {
				t.Errorf("wrote %d packets, want %d: %v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				if p, ok := got[i]; !ok || p != ms(w) {
					t.Errorf("packet %d at %v ms (written %v), want %v ms", i, float64(p)/48, ok, w)
				}
			}
			if tl.pos != ms(c.end) {
				t.Errorf("ends at %v ms, want %v", float64(tl.pos)/48, c.end)
			}
			if c.kind != "" {
				if k := kinds(rec); k != c.kind {
					t.Errorf("frames %q, want %q", k, c.kind)
				}
			}
			checkStats(t, *st, c.st)
		})
	}
}

func kinds(rec *recEmitter) string {
	var b bytes.Buffer
	var last oggopus.FrameKind
	n := 0
	flush := func() {
		if n > 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%c%d", "?APS"[last], n)
		}
	}
	for _, f := range rec.frames {
		if f.Kind != last {
			flush()
			last, n = f.Kind, 0
		}
		n++
	}
	flush()
	return b.String()
}

// checkStats compares the fields set in want.
func checkStats(t *testing.T, got, want Stats) {
	t.Helper()
	pairs := []struct {
		name      string
		got, want int64
	}{
		{"FramesConcealed", got.FramesConcealed, want.FramesConcealed},
		{"SilenceSamples", got.SilenceSamples, want.SilenceSamples},
		{"Reanchors", got.Reanchors, want.Reanchors},
		{"TimestampJumps", got.TimestampJumps, want.TimestampJumps},
		{"LateDropped", got.LateDropped, want.LateDropped},
		{"DuplicatesDropped", got.DuplicatesDropped, want.DuplicatesDropped},
		{"PaddingDropped", got.PaddingDropped, want.PaddingDropped},
		{"SequenceJumps", got.SequenceJumps, want.SequenceJumps},
	}
	for _, p := range pairs {
		if p.want != 0 && p.got != p.want {
			t.Errorf("%s = %d, want %d", p.name, p.got, p.want)
		}
	}
	if want.DriftCorrections == 0 && got.DriftCorrections != 0 && want.SilenceSamples == 0 && want.Reanchors == 0 {
		t.Errorf("unexpected drift corrections: %d", got.DriftCorrections)
	}
}

// TestTimelineDrift runs a minute of 20 ms packets from a sender whose clock
// is 0.1% fast or slow (ten times what real clocks do), with up to 8 ms of
// jitter: every packet must be written within 15 ms of its undelayed arrival
// (the hard drift threshold, plus what a slow sender drifts over the lag
// window), and the file must end level with the wall clock.
func TestTimelineDrift(t *testing.T) {
	for _, rate := range []float64{1.001, 0.999, 1.0} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			const n = 3000
			var pkts []tp
			wall := make([]float64, n)
			for i := 0; i < n; i++ {
				wall[i] = float64(i) * 20 / rate
				jitter := float64((i*7919)%9) * 1 // 0..8 ms, deterministic
				if i == 0 {
					jitter = 0
				}
				pkts = append(pkts, tp{ts: int64(i) * 960, arrMs: wall[i] + jitter})
			}
			rec, st, tl := runTimeline(t, pkts, nil)
			worst := 0.0
			for i, p := range audioAt(rec) {
				d := float64(p)/48 - wall[i]
				worst = max(worst, d, -d)
			}
			if worst > 15 {
				t.Errorf("a packet landed %.1f ms from its wall time", worst)
			}
			end := float64(tl.pos) / 48
			if want := wall[n-1] + 20; end < want-15 || end > want+15 {
				t.Errorf("ends at %.1f ms, wall clock says %.1f", end, want)
			}
			if rate != 1 && st.DriftCorrections < 3 {
				t.Errorf("only %d drift corrections for 60 ms of drift", st.DriftCorrections)
			}
			if rate == 1 && st.DriftCorrections != 0 {
				t.Errorf("%d drift corrections without drift", st.DriftCorrections)
			}
			t.Logf("worst %.1f ms, %d corrections, %d written of %d", worst, st.DriftCorrections, len(audioAt(rec)), n)
		})
	}
}

// TestTimelineShortPauseAbsorbed: a 150 ms pause with frozen timestamps is
// below the re-anchor threshold, and to the timeline it looks the same as a
// path whose delay grew by 150 ms. The drift correction follows it within
// its budget: 40 ms at once, then 2 ms a second, every packet written, and
// after a minute the file is back on the wall clock.
func TestTimelineShortPauseAbsorbed(t *testing.T) {
	const n = 3000
	pkts := cat(seq(50, 0, 0), seq(n, 50*960, 1150))
	rec, st, _ := runTimeline(t, pkts, nil)
	got := audioAt(rec)
	if len(got) != n+50 {
		t.Errorf("%d packets written, want all %d", len(got), n+50)
	}
	if st.Reanchors != 0 || st.LateDropped != 0 {
		t.Errorf("reanchors %d, late %d, want 0", st.Reanchors, st.LateDropped)
	}
	if st.SilenceSamples < ms(150)-hardDrift || st.SilenceSamples > ms(150) {
		t.Errorf("%v ms of silence inserted, want the 150 of the pause, less up to 10", float64(st.SilenceSamples)/48)
	}
	for _, f := range rec.frames {
		if f.Kind == oggopus.FrameSilence && f.Samples > int(ms(40)) {
			t.Errorf("%v ms of silence at %v ms: more than the budget at once", float64(f.Samples)/48, float64(f.Pos)/48)
		}
	}
	last := n + 49
	if p, want := got[last], ms(1150+float64(n-1)*20); p < want-ms(12.5) || p > want+ms(12.5) {
		t.Errorf("last packet at %v ms, its arrival %v", float64(p)/48, float64(want)/48)
	}
}

// TestTimelineLateAfterFill: once silence has been written over a packet's
// time (the owner's Tick filled a stall), the packet is dropped as late, and
// one partly overlapping is written right after.
func TestTimelineLateAfterFill(t *testing.T) {
	rec, st, tl := runTimeline(t, seq(3, 0, 0), nil)
	if err := tl.fillTo(ms(100)); err != nil {
		t.Fatal(err)
	}
	for i, p := range []tp{{ts: 3 * 960, arrMs: 105}, {ts: 4*960 + 480, arrMs: 110}} {
		if err := tl.place(arrivingPacket{uts: p.ts, arr: ms(p.arrMs), data: []byte{0xF8, 0, byte(10 + i)}, samples: 960}); err != nil {
			t.Fatal(err)
		}
	}
	if st.LateDropped != 1 {
		t.Errorf("late dropped %d, want 1", st.LateDropped)
	}
	if p, ok := audioAt(rec)[11]; !ok || p != ms(100) {
		t.Errorf("overlapping packet at %v ms (%v), want 100", float64(p)/48, ok)
	}
}

// TestTimelineOverlapWeighsDrift: a packet overlapping what is written goes
// right after it only when that leaves the file nearer the wall clock than
// dropping it would; the drift rule judges with the lag the overlap leaves.
func TestTimelineOverlapWeighsDrift(t *testing.T) {
	for _, c := range []struct {
		name    string
		ts      int64 // RTP time of a 40 ms packet after seq(3) and silence up to 100 ms
		written bool
	}{
		{"10 ms overlap: written after", 3*960 + 1440, true},
		{"30 ms overlap: dropped", 3*960 + 480, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, st, tl := runTimeline(t, seq(3, 0, 0), nil)
			if err := tl.fillTo(ms(100)); err != nil {
				t.Fatal(err)
			}
			if err := tl.place(arrivingPacket{uts: c.ts, arr: ms(105), data: []byte{0xF8, 0, 10}, samples: 1920}); err != nil {
				t.Fatal(err)
			}
			p, ok := audioAt(rec)[10]
			if ok != c.written || (ok && p != ms(100)) {
				t.Errorf("written %v at %v ms, want written %v at 100 ms", ok, float64(p)/48, c.written)
			}
			if !c.written && st.DriftCorrections != 1 {
				t.Errorf("%d drift corrections, want 1", st.DriftCorrections)
			}
			if b := tl.lag.base(); b > hardDrift || b < -hardDrift {
				t.Errorf("lag baseline %v ms left beyond the drift limit", float64(b)/48)
			}
		})
	}
}

// TestTimelineLoadedReader: the recorder's process is short of CPU for a
// second and a half every five seconds (a bot beside a loaded SFU): every
// packet of those stretches is read 15 to 35 ms late, some in bursts. The
// path's least delay has not changed, so nothing may be dropped and no
// silence put in; every packet stays within 20 ms of its undelayed arrival.
func TestTimelineLoadedReader(t *testing.T) {
	const n = 3000 // a minute
	var pkts []tp
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < n; i++ {
		at := float64(i) * 20
		if i%250 >= 175 { // 1.5 s of every 5 s
			at += 15 + float64(rng.IntN(21))
		} else {
			at += float64(rng.IntN(4))
		}
		pkts = append(pkts, tp{ts: int64(i) * 960, arrMs: at})
	}
	rec, st, _ := runTimeline(t, pkts, nil)
	if st.DriftDropped != 0 || st.SilenceSamples != 0 {
		t.Errorf("%d packets dropped, %.1f ms of silence put in", st.DriftDropped, float64(st.SilenceSamples)/48)
	}
	worst := 0.0
	for i, p := range audioAt(rec) {
		d := float64(p)/48 - float64(i)*20
		worst = max(worst, d, -d)
	}
	if worst > 20 {
		t.Errorf("a packet landed %.1f ms from its wall time", worst)
	}
	t.Logf("worst %.1f ms, %d corrections", worst, st.DriftCorrections)
}

// TestTimelineSlowStart: a connection's first packets come late (an SFU
// subscribing, a recorder busy with a meeting joining at once, reading a
// new track late and then draining its buffer), so the file, started from
// them, runs ahead of the wall clock once the punctual ones come. Within
// its first seconds the timeline moves the start back instead of dropping
// frames: every packet is written, and placed on the punctual packets'
// delay. The same lead after startLeadFor is drift, and a frame goes, as
// it does for timestamps that leap ahead of the arrivals; and a start
// cannot move back further than a queue holds.
func TestTimelineSlowStart(t *testing.T) {
	jitter := func(i int) float64 { return float64(i * 7919 % 3) } // 0..2 ms
	for _, c := range []struct {
		name    string
		arr     func(i int) float64 // packet i's arrival, ms
		moved   [2]float64          // ms, the range the start must move back by
		dropped int64
	}{
		{"first second 14 ms slow", func(i int) float64 {
			if i < 50 {
				return float64(i)*20 + 14 + jitter(i)
			}
			return float64(i)*20 + jitter(i)
		}, [2]float64{10, 14}, 0},
		{"a 600 ms queue drained at the start", func(i int) float64 {
			if i < 30 {
				return 600 + float64(i)
			}
			return float64(i)*20 + jitter(i)
		}, [2]float64{585, 600}, 0},
		{"first 12 s 14 ms slow", func(i int) float64 {
			if i < 600 {
				return float64(i)*20 + 14 + jitter(i)
			}
			return float64(i)*20 + jitter(i)
		}, [2]float64{0, 0}, 1},
		// Not a late start: an SFU re-basing the timestamps it forwards,
		// 25 ms ahead from the second second on. The gap the arrivals do
		// not show is not filled; the start stays where it was.
		{"timestamps leaping 25 ms ahead", nil, [2]float64{0, 0}, 0},
		{"a sender's clock running 1.5 times fast", func(i int) float64 {
			return float64(i) * 20 / 1.5
		}, [2]float64{1990, 2000}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := 1000
			if c.dropped > 0 && c.moved[1] > 0 {
				n = 400 // 5.3 s of arrivals: past the cap, within startLeadFor
			}
			var pkts []tp
			for i := 0; i < n; i++ {
				if c.arr == nil {
					ts := int64(i) * 960
					if i >= 50 {
						ts += ms(25)
					}
					pkts = append(pkts, tp{ts: ts, arrMs: float64(i)*20 + jitter(i)})
					continue
				}
				pkts = append(pkts, tp{ts: int64(i) * 960, arrMs: c.arr(i)})
			}
			rec, st, _ := runTimeline(t, pkts, nil)
			if m := float64(rec.moved) / 48; m < c.moved[0] || m > c.moved[1] || st.StartMovedSamples != rec.moved {
				t.Errorf("start moved %.1f ms (stats %d samples), want %v ms", m, st.StartMovedSamples, c.moved)
			}
			if c.dropped > 0 {
				if st.DriftDropped < c.dropped {
					t.Errorf("%d dropped for drift, want at least %d", st.DriftDropped, c.dropped)
				}
				return
			}
			got := audioAt(rec)
			if len(got) != n || st.DriftDropped != 0 {
				t.Errorf("%d of %d written, %d dropped for drift", len(got), n, st.DriftDropped)
			}
			worst := 0.0
			for i, p := range got {
				// Measured against the punctual path: ahead of the slow
				// packets' arrivals, within 2 ms of the others'.
				d := float64(p)/48 - float64(i)*20
				worst = max(worst, d, -d)
			}
			if worst > 3 {
				t.Errorf("a packet landed %.1f ms from its undelayed time", worst)
			}
		})
	}
}

// TestTimelineFirstSoundAfterFiller: an SFU sends a second of its own blank
// frames (digital silence, oggopus.IsSilence) before the room's first real
// packet, with timestamps of its own making that put the real audio 50 ms
// earlier than it came. The first sound is placed by its arrival, and what
// follows by its RTP time from there: no silence put in to catch up over
// seconds, nothing early.
func TestTimelineFirstSoundAfterFiller(t *testing.T) {
	rec := &recEmitter{}
	st := &Stats{}
	tl := newTimeline(rec, st)
	blank := []byte{0xF8, 0xFF, 0xFE}
	for i := 0; i < 50; i++ {
		if err := tl.place(arrivingPacket{uts: int64(i) * 960, arr: ms(float64(i) * 20), data: blank, samples: 960}); err != nil {
			t.Fatal(err)
		}
	}
	for k := 0; k < 500; k++ {
		p := arrivingPacket{uts: int64(50+k)*960 - ms(50), arr: ms(1000 + float64(k)*20 + float64(k*7919%3)),
			data: []byte{0xF8, byte(k >> 8), byte(k)}, samples: 960}
		if err := tl.place(p); err != nil {
			t.Fatal(err)
		}
	}
	worst := 0.0
	for _, f := range rec.frames {
		if f.Kind != oggopus.FrameAudio || oggopus.IsSilence(f.Packet) {
			continue
		}
		k := int(f.Packet[1])<<8 | int(f.Packet[2])
		d := float64(f.Pos)/48 - (1000 + float64(k)*20)
		worst = max(worst, d, -d)
	}
	if worst > 3 || st.DriftCorrections != 0 || st.SilenceSamples != 0 {
		t.Errorf("a packet landed %.1f ms from its arrival; %d drift corrections, %.1f ms of silence",
			worst, st.DriftCorrections, float64(st.SilenceSamples)/48)
	}
}
