package capture

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/oggopus"
	"github.com/thesyncim/gopus"
)

// event is one RTP packet as it reaches the bot.
type event struct {
	seq     uint16
	ts      uint32
	ssrc    uint32
	payload []byte
	at      time.Duration // arrival since the first packet
}

// plan is a scenario: what arrives when, and where the sender's audio truly
// belongs on the wall clock.
type plan struct {
	events []event
	wall   func(i int) time.Duration // undelayed arrival of sender packet i
	end    time.Duration             // when the connection ends
	// start is where the file's first sample is on the same clock
	// (Segment.Start less testStart); see startingAt.
	start time.Duration
}

// sinkFunc is a FrameSink that only looks at frames.
type sinkFunc func(oggopus.Frame)

func (f sinkFunc) SegmentStarted(time.Time) {}
func (f sinkFunc) SegmentMoved(time.Time)   {}
func (f sinkFunc) Frame(fr oggopus.Frame)   { f(fr) }

// testStart is the instant run plays a plan's time 0 at.
func testStart() time.Time { return time.Date(2023, 11, 21, 14, 0, 0, 0, time.FixedZone("IST", 19800)) }

// startingAt is p with the start of seg, a segment run played p into.
func (p plan) startingAt(seg *Segment) plan {
	p.start = seg.Start().Sub(testStart())
	return p
}

// source is the sender's audio: tone bursts encoded by gopus into 20 ms
// packets, as a browser would send them.
type source struct {
	bursts  []audiotest.Burst
	packets [][]byte
	frame   int // samples per packet
}

func newSource(t testing.TB, total time.Duration, bursts []audiotest.Burst, dtx bool) source {
	return newSourceFrames(t, total, bursts, dtx, 960)
}

func newSourceFrames(t testing.TB, total time.Duration, bursts []audiotest.Burst, dtx bool, frame int) source {
	t.Helper()
	pkts, err := audiotest.Encode(audiotest.Render(total, bursts), audiotest.EncodeConfig{DTX: dtx, FrameSamples: frame})
	if err != nil {
		t.Fatal(err)
	}
	return source{bursts: bursts, packets: pkts, frame: frame}
}

// packetTime is the sender time of packet i.
func (s source) packetTime(i int) time.Duration { return audiotest.Duration(i * s.frame) }

// fourSeconds has a burst every 600 ms, each at its own frequency.
func fourSeconds(t testing.TB, dtx bool) source {
	return fourSecondsFrames(t, dtx, 960)
}

func fourSecondsFrames(t testing.TB, dtx bool, frame int) source {
	var b []audiotest.Burst
	for k := 0; k < 6; k++ {
		b = append(b, audiotest.Burst{At: time.Duration(300+600*k) * time.Millisecond, Dur: 200 * time.Millisecond, Freq: float64(400 + 200*k)})
	}
	return newSourceFrames(t, 4*time.Second, b, dtx, frame)
}

// straight sends every packet on time from the given sequence number and
// timestamp; wall is then the sender's own time.
func straight(src source, seq0 uint16, ts0 uint32) plan {
	p := plan{wall: src.packetTime}
	for i, pk := range src.packets {
		p.events = append(p.events, event{seq: seq0 + uint16(i), ts: ts0 + uint32(i*src.frame), ssrc: 1, payload: pk, at: p.wall(i)})
	}
	p.end = p.wall(len(src.packets))
	return p
}

// stalled holds packets [from, to) up until packet to is due, then
// delivers them one after another, a few microseconds apart; the sender's
// timing (wall) is unchanged.
func stalled(src source, from, to int, seq0 uint16) plan {
	p := straight(src, seq0, uint32(seq0)*1000)
	for i := from; i < to; i++ {
		p.events[i].at = p.wall(to) + time.Duration(i-from)*5*time.Microsecond
	}
	p.events[to].at = p.wall(to) + time.Duration(to-from)*5*time.Microsecond
	return p
}

// draining: packets from to to are held up until the wall time of to and
// then come every apart, until the drain has caught up with real time.
func draining(src source, from, to int, seq0 uint16, every time.Duration) plan {
	p := straight(src, seq0, uint32(seq0)*1000)
	for i := from; i < len(p.events); i++ {
		at := p.wall(to) + time.Duration(i-from)*every
		if at <= p.wall(i) {
			break
		}
		p.events[i].at = at
	}
	return p
}

func without(p plan, drop ...int) plan {
	var ev []event
	for i, e := range p.events {
		if !slices.Contains(drop, i) {
			ev = append(ev, e)
		}
	}
	p.events = ev
	return p
}

func span(a, b int) []int {
	var out []int
	for i := a; i < b; i++ {
		out = append(out, i)
	}
	return out
}

// run plays a plan into a segment, ticking every 20 ms of synthetic time
// like the owner's ticker, and returns the file bytes and the segment.
func run(t *testing.T, p plan, tick bool, cfg Config) ([]byte, *Segment) {
	t.Helper()
	var buf bytes.Buffer
	seg, err := NewSegment(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := testStart()
	ev := slices.Clone(p.events)
	slices.SortStableFunc(ev, func(a, b event) int { return int(a.at - b.at) })
	next := time.Duration(0)
	for _, e := range ev {
		for tick && next <= e.at {
			if err := seg.Tick(t0.Add(next)); err != nil {
				t.Fatal(err)
			}
			next += 20 * time.Millisecond
		}
		pk := &rtp.Packet{Header: rtp.Header{SequenceNumber: e.seq, Timestamp: e.ts, SSRC: e.ssrc}, Payload: e.payload}
		if err := seg.Push(pk, t0.Add(e.at)); err != nil {
			t.Fatal(err)
		}
	}
	for tick && next <= p.end {
		if err := seg.Tick(t0.Add(next)); err != nil {
			t.Fatal(err)
		}
		next += 20 * time.Millisecond
	}
	if err := seg.Close(t0.Add(p.end)); err != nil {
		t.Fatal(err)
	}
	if first, got := t0.Add(ev[0].at), seg.Start(); got.After(first) || got.Before(first.Add(-settleAfter)) {
		t.Errorf("segment start %v, want the first arrival %v or up to %v before", got, first, settleAfter)
	}
	return buf.Bytes(), seg
}

const tolerance = 20 * time.Millisecond

// verify decodes the segment and checks its playing time and where each
// burst landed against the wall clock.
func verify(t *testing.T, data []byte, src source, p plan) {
	t.Helper()
	dec, err := audiotest.DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	if !dec.EOS || dec.Stopped != nil || dec.PreSkip != SegmentPreSkip {
		t.Fatalf("EOS %v, stopped %v, pre-skip %d", dec.EOS, dec.Stopped, dec.PreSkip)
	}
	if got, want := audiotest.Duration(len(dec.PCM)), p.end-p.start; got < want-tolerance || got > want+tolerance {
		t.Errorf("plays %v, wall clock covered %v", got, want)
	}
	look, err := audiotest.EncoderLookahead(gopus.ApplicationVoIP)
	if err != nil {
		t.Fatal(err)
	}
	found := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
	if len(found) != len(src.bursts) {
		t.Fatalf("found %d bursts, want %d: %+v", len(found), len(src.bursts), found)
	}
	for k, b := range src.bursts {
		s := audiotest.Samples(b.At)
		want := p.wall(s/src.frame) + audiotest.Duration(s%src.frame+look)
		if d := found[k].At + p.start - want; d < -tolerance || d > tolerance {
			t.Errorf("burst %d (%v Hz) at %v, wall clock says %v (off by %v)", k, b.Freq, found[k].At, want, d)
		}
		if math.Abs(found[k].Freq-b.Freq) > 15 {
			t.Errorf("burst %d: %v Hz, want %v", k, found[k].Freq, b.Freq)
		}
	}
}

func TestSegmentScenarios(t *testing.T) {
	src := fourSeconds(t, false)
	n := len(src.packets)
	type scenario struct {
		name string
		src  *source // default src
		plan plan
		tick bool
		want Stats // non-zero fields are checked exactly, the others must be 0
	}
	var cases []scenario
	add := func(s scenario) { cases = append(cases, s) }

	add(scenario{name: "clean", plan: straight(src, 1000, 5000), tick: true, want: Stats{Received: int64(n)}})

	add(scenario{name: "loss", tick: true,
		plan: without(straight(src, 7, 7), append(append([]int{20}, span(50, 53)...), span(62, 72)...)...),
		want: Stats{FramesConcealed: 4, SilenceSamples: 10 * 960},
	})

	jit := straight(src, 300, 300)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 1; i < len(jit.events); i++ {
		jit.events[i].at += time.Duration(rng.IntN(15)) * time.Millisecond
	}
	jit.events[40].at += 60 * time.Millisecond // overtaken by three packets
	jit.events[41], jit.events[42] = jit.events[42], jit.events[41]
	add(scenario{name: "jitter and reorder", plan: jit, tick: true})

	dup := straight(src, 9, 9)
	for _, k := range []struct {
		i     int
		after time.Duration
	}{{10, 0}, {30, time.Millisecond}, {50, 50 * time.Millisecond}, {70, 300 * time.Millisecond}, {90, 2 * time.Second}} {
		e := dup.events[k.i]
		e.at += k.after
		dup.events = append(dup.events, e)
	}
	add(scenario{name: "duplicates", plan: dup, tick: true, want: Stats{DuplicatesDropped: 5}})

	pad := straight(src, 65000, 0)
	seqNo := uint16(65000)
	pad.events = nil
	for i, pk := range src.packets {
		pad.events = append(pad.events, event{seq: seqNo, ts: uint32(i * 960), ssrc: 1, payload: pk, at: pad.wall(i)})
		seqNo++
		if i%10 == 5 { // bandwidth probing: padding-only packets taking sequence numbers
			for j := 0; j < 2; j++ {
				pad.events = append(pad.events, event{seq: seqNo, ts: uint32(i * 960), ssrc: 1, at: pad.wall(i) + time.Millisecond})
				seqNo++
			}
		}
	}
	add(scenario{name: "padding-only packets, sequence wrap", plan: pad, tick: true,
		want: Stats{PaddingDropped: int64(2 * ((n + 4) / 10))}})

	add(scenario{name: "timestamp wrap", plan: straight(src, 65500, 1<<32-30*960), tick: true})

	// A track paused with replaceTrack(null): 3 s of nothing, then the
	// sequence and the RTP clock resume where they stopped.
	pause := straight(src, 100, 100)
	pause.wall = func(i int) time.Duration {
		d := time.Duration(i) * 20 * time.Millisecond
		if i >= 60 {
			d += 3 * time.Second
		}
		return d
	}
	for i := range pause.events {
		pause.events[i].at = pause.wall(i)
	}
	pause.end = pause.wall(n)
	add(scenario{name: "pause with frozen timestamps, ticking", plan: pause, tick: true, want: Stats{Reanchors: 1, SilenceSamples: 3 * 48000}})
	add(scenario{name: "pause with frozen timestamps, no ticks", plan: pause, want: Stats{Reanchors: 1, SilenceSamples: 3 * 48000}})

	// Muted by stopping packets for 2 s: the sequence resumes where it
	// stopped, the RTP clock kept running.
	mute := straight(src, 1, 1)
	mute.wall = func(i int) time.Duration {
		d := time.Duration(i) * 20 * time.Millisecond
		if i >= 90 {
			d += 2 * time.Second
		}
		return d
	}
	for i := range mute.events {
		mute.events[i].at = mute.wall(i)
		if i >= 90 {
			mute.events[i].ts += 2 * 48000
		}
	}
	mute.end = mute.wall(n)
	add(scenario{name: "mute by stopping packets", plan: mute, tick: true, want: Stats{SilenceSamples: 2 * 48000}})

	// The network holds up 300 ms of packets (above the re-anchor lag) and
	// then delivers them all at once: the sender's clock was right, so
	// nothing is moved, no silence goes in and no audio is dropped.
	add(scenario{name: "network stall, then a burst", plan: stalled(src, 40, 55, 7), tick: true})
	// The reading goroutine itself did not run for 700 ms (longer than
	// quietFill): no ticks either, then every queued packet at once.
	add(scenario{name: "reader stall, then a burst", plan: stalled(src, 100, 135, 11)})
	// A starved sender or a loaded SFU catching up: what it held comes
	// 7 ms a packet, faster than real time but no burst; or 16 ms a
	// packet, 1.25 times real time, which only 200 ms of packets tell
	// from a sender resuming with jitter.
	add(scenario{name: "network stall, then a drain", plan: draining(src, 40, 90, 13, 7*time.Millisecond), tick: true})
	add(scenario{name: "network stall, then a slower drain", plan: draining(src, 40, 63, 13, 16*time.Millisecond), tick: true})
	// A drain at 1.14 times real time, 17.5 ms a packet: 200 ms of
	// packets come in 87.5% of their RTP span, as a sender's with jitter
	// may; a second of them, in 87.5% again, which jitter cannot make of
	// real time.
	add(scenario{name: "network stall, then a drain at 1.14 times real time", plan: draining(src, 10, 31, 13, 17500*time.Microsecond), tick: true})

	jump := straight(src, 5, 5)
	for i := 100; i < n; i++ {
		jump.events[i].ts += 123456789
	}
	add(scenario{name: "timestamp jump", plan: jump, tick: true, want: Stats{TimestampJumps: 1}})

	for _, fr := range []struct {
		frame int
		lost  []int
	}{{480, []int{40, 100, 101}}, {2880, []int{10, 30}}, {1920, []int{10}}} {
		fs := fourSecondsFrames(t, false, fr.frame)
		// Concealment goes by the frame size in the previous packet's TOC
		// (a 60 ms packet may be three 20 ms frames), never by 20 ms.
		plc := int64(len(fr.lost) * fr.frame / gopus.ParseTOC(fs.packets[fr.lost[0]-1][0]).FrameSize)
		add(scenario{name: fmt.Sprintf("%d-sample frames with loss", fr.frame), src: &fs, tick: true,
			plan: without(straight(fs, 3, 3), fr.lost...), want: Stats{FramesConcealed: plc}})
	}

	ssrc := straight(src, 5, 5)
	for i := 100; i < n; i++ {
		ssrc.events[i].ssrc = 2
		ssrc.events[i].seq += 20000
		ssrc.events[i].ts += 999999
	}
	add(scenario{name: "new SSRC", plan: ssrc, tick: true, want: Stats{SequenceJumps: 1}})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, seg := run(t, c.plan, c.tick, Config{})
			s := src
			if c.src != nil {
				s = *c.src
			}
			verify(t, data, s, c.plan.startingAt(seg))
			st := seg.Stats()
			checkExact(t, st, c.want)
			checkZero(t, st, c.want, Stats{})
		})
	}
}

func statFields(s Stats) map[string]int64 {
	return map[string]int64{
		"Received": s.Received, "DuplicatesDropped": s.DuplicatesDropped, "PaddingDropped": s.PaddingDropped,
		"LateDropped": s.LateDropped, "InvalidDropped": s.InvalidDropped, "FramesConcealed": s.FramesConcealed,
		"SilenceSamples": s.SilenceSamples, "Reanchors": s.Reanchors, "TimestampJumps": s.TimestampJumps,
		"SequenceJumps": s.SequenceJumps, "DriftCorrections": s.DriftCorrections,
		"DriftDropped": s.DriftDropped, "FillerDropped": s.FillerDropped, "WriteErrors": s.WriteErrors, "WriteRecoveries": s.WriteRecoveries, "HeldBytes": s.HeldBytes,
		"DroppedBytes": s.DroppedBytes, "DroppedMs": s.DroppedMs,
	}
}

func checkExact(t *testing.T, got, want Stats) {
	t.Helper()
	g := statFields(got)
	for k, v := range statFields(want) {
		if v > 0 && g[k] != v {
			t.Errorf("%s = %d, want %d", k, g[k], v)
		}
	}
}

// checkZero requires every counter that is neither expected (want) nor
// allowed (-1 in allowed) to be zero: no scenario may, say, conceal frames or
// drop packets it had no reason to.
func checkZero(t *testing.T, got, want, allowed Stats) {
	t.Helper()
	g, w, a := statFields(got), statFields(want), statFields(allowed)
	for _, k := range []string{"DuplicatesDropped", "LateDropped", "FillerDropped", "InvalidDropped", "FramesConcealed", "SilenceSamples", "Reanchors", "TimestampJumps", "SequenceJumps", "DriftCorrections", "DriftDropped", "WriteErrors", "WriteRecoveries", "HeldBytes", "DroppedBytes", "DroppedMs"} {
		if w[k] == 0 && a[k] == 0 && g[k] != 0 {
			t.Errorf("%s = %d, want 0", k, g[k])
		}
	}
}

// TestSegmentDrift: a minute of speech-like bursts from a sender whose clock
// runs 0.1% fast or slow, with a little jitter. The file must play as long
// as the wall clock and every burst must land within 20 ms of its wall time.
func TestSegmentDrift(t *testing.T) {
	var bursts []audiotest.Burst
	for k := 0; k < 12; k++ {
		bursts = append(bursts, audiotest.Burst{At: time.Duration(2000+5000*k) * time.Millisecond, Dur: 400 * time.Millisecond, Freq: float64(300 + 150*k)})
	}
	src := newSource(t, 60*time.Second, bursts, false)
	for _, rate := range []float64{1.001, 0.999} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			p := straight(src, 40000, 123)
			p.wall = func(i int) time.Duration { return time.Duration(float64(i) * 20e6 / rate) }
			rng := rand.New(rand.NewPCG(3, 4))
			for i := range p.events {
				p.events[i].at = p.wall(i)
				if i > 0 {
					p.events[i].at += time.Duration(rng.IntN(8)) * time.Millisecond
				}
			}
			p.end = p.wall(len(src.packets))
			data, seg := run(t, p, true, Config{})
			verify(t, data, src, p.startingAt(seg))
			st := seg.Stats()
			if st.DriftCorrections < 3 {
				t.Errorf("%d drift corrections for 60 ms of drift", st.DriftCorrections)
			}
			checkZero(t, st, Stats{}, Stats{DriftCorrections: -1, DriftDropped: -1, FillerDropped: -1, SilenceSamples: -1})
		})
	}
}

// TestThresholdOrder pins the relation the pause handling depends on: Tick
// only fills silence after a quiet spell longer than the re-anchor
// threshold, so a packet resuming a paused track always disagrees with its
// frozen RTP time by enough to be placed by arrival, never dropped as late.
func TestThresholdOrder(t *testing.T) {
	if oggopus.Samples(quietFill) <= reanchorLag {
		t.Fatalf("quietFill (%v) must exceed the re-anchor threshold (%v)", quietFill, oggopus.Duration(reanchorLag))
	}
	if MaxHold >= quietFill || DefaultHold > MaxHold {
		t.Fatalf("hold (default %v, max %v) must stay below quietFill (%v)", DefaultHold, MaxHold, quietFill)
	}
	if oggopus.Samples(MaxHold) > int64(reorderSlots*frameQuantum) {
		t.Fatalf("the reorder ring (%d slots) cannot hold %v of 2.5 ms packets", reorderSlots, MaxHold)
	}
}

// TestObserverSeesTheFile: frames handed to the Sink are exactly the file's
// packets after the warm-up, at contiguous positions.
func TestObserverSeesTheFile(t *testing.T) {
	src := fourSeconds(t, true)
	p := plan{wall: func(i int) time.Duration { return time.Duration(i) * 20 * time.Millisecond }}
	seqNo := uint16(0)
	for i, pk := range src.packets {
		if pk == nil || i == 33 {
			continue // DTX: not sent; 33 lost
		}
		p.events = append(p.events, event{seq: seqNo, ts: uint32(i * 960), ssrc: 1, payload: pk, at: p.wall(i)})
		seqNo++
		if i == 32 {
			seqNo++
		}
	}
	p.end = p.wall(len(src.packets))
	var frames []oggopus.Frame
	kinds := map[oggopus.FrameKind]int{}
	data, seg := run(t, p, true, Config{Sink: sinkFunc(func(f oggopus.Frame) {
		f.Packet = bytes.Clone(f.Packet)
		frames = append(frames, f)
		kinds[f.Kind]++
	})})
	verify(t, data, src, p.startingAt(seg))
	scan, err := oggopus.Scan(data)
	if err != nil {
		t.Fatal(err)
	}
	pk := scan.Packets[1:] // after the warm-up silence
	if len(pk) != len(frames) {
		t.Fatalf("observer saw %d frames, file has %d packets", len(frames), len(pk))
	}
	var pos int64
	for i, f := range frames {
		if f.Pos != pos || pk[i].Pos-SegmentPreSkip != pos || !bytes.Equal(f.Packet, pk[i].Data) || f.Samples != pk[i].Samples {
			t.Fatalf("frame %d: observer %d/%d bytes at %d, file %d bytes at %d", i, f.Samples, len(f.Packet), f.Pos, len(pk[i].Data), pk[i].Pos)
		}
		pos += int64(f.Samples)
	}
	if kinds[oggopus.FrameAudio] == 0 || kinds[oggopus.FrameSilence] == 0 || kinds[oggopus.FramePLC] != 1 {
		t.Errorf("frame kinds %v: want audio, DTX silence and one PLC frame", kinds)
	}
	if st := seg.Stats(); st.SamplesWritten != pos || st.FramesConcealed != 1 {
		t.Errorf("stats %+v, observer total %d", st, pos)
	}
}

// TestSegmentStereoPackets: a sender may send stereo Opus; the segment's
// OpusHead says mono and the decoder downmixes, so the audio is all there.
func TestSegmentStereoPackets(t *testing.T) {
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: 48000, Channels: 2, Application: gopus.ApplicationAudio})
	if err != nil {
		t.Fatal(err)
	}
	mono := audiotest.Render(2*time.Second, []audiotest.Burst{burst(700, 300, 880)})
	src := source{bursts: []audiotest.Burst{burst(700, 300, 880)}, frame: 960}
	frame := make([]float32, 2*960)
	buf := make([]byte, 1500)
	for off := 0; off < len(mono); off += 960 {
		for i := 0; i < 960; i++ {
			frame[2*i], frame[2*i+1] = mono[off+i], mono[off+i]*0.5
		}
		n, err := enc.Encode(frame, buf)
		if err != nil {
			t.Fatal(err)
		}
		if !gopus.ParseTOC(buf[0]).Stereo {
			t.Fatalf("packet %d is not stereo", off/960)
		}
		src.packets = append(src.packets, bytes.Clone(buf[:n]))
	}
	p := straight(src, 0, 0)
	data, seg := run(t, p, true, Config{})
	verify(t, data, src, p.startingAt(seg))
	checkZero(t, seg.Stats(), Stats{}, Stats{})
}

// TestSegmentBeforeAudio: a segment starts at its first packet even when
// that packet carries no audio (padding, or bytes that are not Opus): the
// file is silent until the first audio, which sits at its arrival, and a
// segment that never gets any audio still plays for the time it covered.
func TestSegmentBeforeAudio(t *testing.T) {
	src := fourSeconds(t, false)
	const delay = 700 * time.Millisecond
	late := straight(src, 100, 100)
	late.wall = func(i int) time.Duration { return delay + src.packetTime(i) }
	for i := range late.events {
		late.events[i].at = late.wall(i)
	}
	late.end = late.wall(len(src.packets))
	late.events = append([]event{
		{seq: 98, ts: 100, ssrc: 1},                           // padding only
		{seq: 99, ts: 100, ssrc: 1, payload: []byte{0xFF, 0}}, // code 3 with zero frames: invalid
	}, late.events...)
	for _, tick := range []bool{false, true} {
		t.Run(fmt.Sprint("ticking ", tick), func(t *testing.T) {
			data, seg := run(t, late, tick, Config{})
			verify(t, data, src, late.startingAt(seg))
			st := seg.Stats()
			want := Stats{PaddingDropped: 1, InvalidDropped: 1, SilenceSamples: int64(audiotest.Samples(delay))}
			checkExact(t, st, want)
			checkZero(t, st, want, Stats{})
		})
	}
	t.Run("no audio at all", func(t *testing.T) {
		var buf bytes.Buffer
		seg, err := NewSegment(&buf, Config{})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
		for i := range 20 {
			at := t0.Add(time.Duration(i) * 50 * time.Millisecond)
			if err := seg.PushPayload(uint16(i), 0, []byte{0xFF, 0}, at); err != nil {
				t.Fatal(err)
			}
			if err := seg.Tick(at); err != nil {
				t.Fatal(err)
			}
		}
		if err := seg.Close(t0.Add(1500 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		dec, err := audiotest.DecodeOgg(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got := audiotest.Duration(len(dec.PCM)); !dec.EOS || got != 1500*time.Millisecond {
			t.Errorf("plays %v (EOS %v), want the 1.5 s it covered", got, dec.EOS)
		}
		if st := seg.Stats(); st.InvalidDropped != 20 || st.SilenceSamples != 72000 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestSegmentCloseEndsOnTheWallClock: Close fills up to its now, whatever
// the lag baseline says. Here 60 ms packets arrive 25 ms late for twelve
// seconds (the lag baseline follows that delay), then the last one arrives on time:
// it is written where the others put it, 25 ms behind its arrival, too
// little to drop a 60 ms frame for, too late in the connection to move its
// start for (startLeadFor), and no packet follows to correct it.
func TestSegmentCloseEndsOnTheWallClock(t *testing.T) {
	src := newSourceFrames(t, 12*time.Second, nil, false, 2880)
	var buf bytes.Buffer
	seg, err := NewSegment(&buf, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	n := len(src.packets)
	var last time.Time
	for i, pk := range src.packets {
		at := t0.Add(time.Duration(i) * 60 * time.Millisecond)
		if i > 0 && i < n-1 {
			at = at.Add(25 * time.Millisecond)
		}
		if err := seg.PushPayload(uint16(i), uint32(i*2880), pk, at); err != nil {
			t.Fatal(err)
		}
		if err := seg.Tick(at); err != nil {
			t.Fatal(err)
		}
		last = at
	}
	if b := seg.tl.lag.base(); b > -hardDrift {
		t.Fatalf("lag baseline %v ms at the end: the scenario no longer leaves the file ahead", float64(b)/48)
	}
	end := last.Add(500 * time.Millisecond)
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	sc, err := oggopus.Scan(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sc.Samples(), oggopus.Samples(end.Sub(t0)); got < want-frameQuantum/2 || got > want+frameQuantum/2 {
		t.Errorf("plays %v, wall clock covered %v", oggopus.Duration(got), end.Sub(t0))
	}
}

// TestSegmentCongestedPath: a room's uplink congests. Over 3 s its delay
// grows to 600 ms, stays there 3 s, then drains in 1.5 s (packets arriving
// faster than they were sent), with a little jitter throughout. Nothing was
// lost on the way, so nothing may be lost in the file: no re-anchoring, no
// silence where the delay grew and no audio dropped where it shrank,
// beyond the drift correction's budget for silence (40 ms, and 2 ms a
// second after that) and the audio dropped to take it out again; every
// burst within 60 ms of its time.
func TestSegmentCongestedPath(t *testing.T) {
	var bursts []audiotest.Burst
	for k := 0; k < 11; k++ {
		bursts = append(bursts, audiotest.Burst{At: time.Duration(500+1000*k) * time.Millisecond, Dur: 200 * time.Millisecond, Freq: float64(400 + 100*k)})
	}
	src := newSource(t, 12*time.Second, bursts, false)
	delay := func(at time.Duration) time.Duration {
		s := at.Seconds()
		switch {
		case s < 2:
			return 0
		case s < 5:
			return time.Duration((s - 2) / 3 * 600e6)
		case s < 8:
			return 600 * time.Millisecond
		case s < 9.5:
			return time.Duration((9.5 - s) / 1.5 * 600e6)
		}
		return 0
	}
	p := straight(src, 100, 100)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range p.events {
		p.events[i].at = p.wall(i) + delay(p.wall(i)) + time.Duration(rng.IntN(3))*time.Millisecond
	}
	data, seg := run(t, p, true, Config{})
	st := seg.Stats()
	n := int64(len(src.packets))
	if st.Reanchors != 0 || st.LateDropped != 0 || st.FramesConcealed != 0 {
		t.Errorf("reanchors %d, late %d, concealed %d: want none", st.Reanchors, st.LateDropped, st.FramesConcealed)
	}
	audio := st.SamplesWritten - st.SilenceSamples
	if lost := n*960 - audio; lost > 80*48 || st.SilenceSamples > 80*48 {
		t.Errorf("%v ms of audio not written, %v ms of silence put in: more than the budget's 40 ms and 2 ms a second", float64(lost)/48, float64(st.SilenceSamples)/48)
	}
	dec, err := audiotest.DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	look, err := audiotest.EncoderLookahead(gopus.ApplicationVoIP)
	if err != nil {
		t.Fatal(err)
	}
	found := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
	if len(found) != len(bursts) {
		t.Fatalf("found %d bursts, want %d", len(found), len(bursts))
	}
	for k, b := range bursts {
		want := b.At + audiotest.Duration(look)
		if d := found[k].At - want; d < -60*time.Millisecond || d > 60*time.Millisecond {
			t.Errorf("burst %d at %v, sent at %v (off by %v)", k, found[k].At, want, d)
		}
	}
	t.Logf("stats %+v", st)
}

// TestSegmentStallWhileTicking: the network (or a loaded SFU) holds up
// 700 ms of packets while the owner keeps ticking. Tick does not take the
// room for quiet before quietFill, so when the burst comes every packet
// still has its place: nothing late, no silence, nothing moved.
func TestSegmentStallWhileTicking(t *testing.T) {
	src := fourSeconds(t, false)
	_, seg := run(t, stalled(src, 100, 135, 3), true, Config{})
	st := seg.Stats()
	checkZero(t, st, Stats{}, Stats{})
	if audio := st.SamplesWritten - st.SilenceSamples; audio != int64(len(src.packets))*960 {
		t.Errorf("%v ms of audio written, want all %v ms", float64(audio)/48, len(src.packets)*20)
	}
}

// TestSegmentStallLongerThanQuietFill: the network holds up packets for
// 300 ms more than quietFill while the owner keeps ticking, so Tick takes
// the room for quiet and writes silence. When the burst comes, the packets
// whose time is already written are lost, but only those: the burst is
// seen to be a queue (each packet right behind the one before), so it is
// not placed by arrival, which would push the rest late and then drop them
// to catch up.
func TestSegmentStallLongerThanQuietFill(t *testing.T) {
	src := fourSeconds(t, false)
	const from = 40
	over := int(300 * time.Millisecond / (20 * time.Millisecond))
	to := from + int(quietFill/(20*time.Millisecond)) + over
	_, seg := run(t, stalled(src, from, to, 3), true, Config{})
	st := seg.Stats()
	// Silence went in from packet from's time to quietFill before the
	// burst: the first over packets are late, the rest in place. Those of
	// them that are digital silence are filler: no sound lost.
	var filler int64
	for _, pk := range src.packets[from : from+over] {
		if oggopus.IsSilence(pk) {
			filler++
		}
	}
	late := int64(over) - filler
	checkExact(t, st, Stats{LateDropped: late, FillerDropped: filler, SilenceSamples: int64(over) * 960})
	checkZero(t, st, Stats{LateDropped: late, FillerDropped: filler, SilenceSamples: 1}, Stats{})
	if audio := st.SamplesWritten - st.SilenceSamples; audio != int64(len(src.packets)-over)*960 {
		t.Errorf("%v ms of audio written, want all but the %v ms written over", float64(audio)/48, over*20)
	}
}

// TestSettlesOnLeastDelay: a connection's first packet comes late (an SFU
// subscribing, a path waking up) and the rest on time. The segment starts
// where the first packet would have come on the path's least delay, up to
// settleAfter earlier than it came, and drops nothing to catch up.
func TestSettlesOnLeastDelay(t *testing.T) {
	src := fourSeconds(t, false)
	for _, late := range []time.Duration{0, 17 * time.Millisecond, 60 * time.Millisecond, 110 * time.Millisecond, 200 * time.Millisecond, 240 * time.Millisecond} {
		t.Run(late.String(), func(t *testing.T) {
			p := straight(src, 100, 100)
			p.events[0].at = late
			if late > 20*time.Millisecond {
				// The packets sent meanwhile queued behind it.
				for i := 1; p.wall(i) < late; i++ {
					p.events[i].at = late + time.Duration(i)*time.Microsecond
				}
			}
			data, seg := run(t, p, true, Config{})
			back := min(late, settleAfter)
			if got, want := seg.Start(), testStart().Add(late-back); got.Sub(want).Abs() > time.Millisecond/10 {
				t.Errorf("start %v, want %v (the first arrival less %v)", got, want, back)
			}
			if st := seg.Stats(); late <= settleAfter && (st.DriftDropped != 0 || st.SilenceSamples != 0 || st.LateDropped != 0) {
				t.Errorf("stats %+v: audio dropped or silence added", st)
			}
			verify(t, data, src, p.startingAt(seg))
		})
	}
}

// TestSettlesOnTheFastestOfItsFirstPackets: over a path where every
// packet takes 9 ms but one, 240 ms in, that takes 1 ms, the segment
// settles on that one: it is the path's least delay. Settling on the
// first 120 ms alone put the whole file 8 ms late, which nothing corrects
// later (less than a frame; issue 17's rooms a few ms late in every run).
func TestSettlesOnTheFastestOfItsFirstPackets(t *testing.T) {
	src := fourSeconds(t, false)
	p := straight(src, 100, 100)
	for i := range p.events {
		p.events[i].at += 9 * time.Millisecond
	}
	p.events[12].at -= 8 * time.Millisecond
	data, seg := run(t, p, true, Config{})
	if got, want := seg.Start(), testStart().Add(time.Millisecond); got.Sub(want).Abs() > time.Millisecond/10 {
		t.Errorf("start %v, want %v: the fastest packet's place", got.Sub(testStart()), want.Sub(testStart()))
	}
	verify(t, data, src, p.startingAt(seg))
}

// TestSFUFillerAtTrackEnd: when a track ends LiveKit sends a blank frame
// (a CELT silence frame, f8 ff fe padded with zeros to 80 bytes) with a
// sequence number of its own and the last packet's RTP time again, 20 to
// 30 ms later (seen in every room of a LiveKit bench run). Its time is
// written already, but no sound is lost: it is counted as filler, not as
// a late packet.
func TestSFUFillerAtTrackEnd(t *testing.T) {
	src := fourSeconds(t, false)
	p := straight(src, 5, 5)
	last := p.events[len(p.events)-1]
	blank := append([]byte{0xf8, 0xff, 0xfe}, make([]byte, 77)...)
	p.events = append(p.events, event{seq: last.seq + 1, ts: last.ts, ssrc: 1, payload: blank, at: last.at + 25*time.Millisecond})
	p.end += 100 * time.Millisecond
	data, seg := run(t, p, true, Config{})
	st := seg.Stats()
	if st.FillerDropped != 1 || st.LateDropped != 0 || st.DriftDropped != 0 {
		t.Errorf("filler %d, late %d, drift dropped %d; want 1, 0, 0", st.FillerDropped, st.LateDropped, st.DriftDropped)
	}
	verify(t, data, src, p.startingAt(seg))
}
