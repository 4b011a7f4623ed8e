package bot

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/samvad/samvad/internal/cputime"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rollcall"
	"github.com/samvad/samvad/voice"
)

// packetBench is one room's track recorder, as recordTrack runs it, fed
// with marshalled RTP packets (Opus with the RFC 6464 level, as the relay
// forwards them) on a clock of its own: the bot's receive → recorder path
// without the network.
type packetBench struct {
	t       *trackRecorder
	b       *Bot
	pkts    [][]byte
	i       int
	now     time.Time
	tickMix bool
}

func newPacketBench(tb testing.TB, level uint8) *packetBench {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now()
	m := recording.Meeting{ID: "bench", Title: "Bench", StartsAt: now, LateAfter: meeting.Duration(10 * time.Minute),
		Rooms: []recording.Room{{ID: "ranchi", Kind: "district", Name: "Ranchi"}}}
	f, err := recording.Open(tb.TempDir(), m, now, recording.DefaultContinueWithin)
	if err != nil {
		tb.Fatal(err)
	}
	b := New(Config{Logger: log, Metrics: metrics.NewBot(metrics.NewRegistry())})
	b.folder = f
	b.roll = rollcall.NewLive(m, 10*time.Second, b.emit)
	mx, err := mixer.Create(f.Root, mixFile, f.Start(), mixer.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	// The mix without its ticker goroutine: the bench ticks it on its own
	// clock.
	b.mix = &liveMix{m: mx, log: log, emit: b.emit, stop: make(chan struct{})}
	close(b.ready)
	tb.Cleanup(func() {
		mx.Close(time.Now())
		f.Close()
	})
	b.roll.Presence(Presence{Room: "ranchi", Session: "s1", Event: recording.EventJoined, At: now})

	// A steady level, so the roll call and the mix see one long turn (or
	// none): what changes per turn (an event) is not per packet.
	u := voice.Synth(1, 2*time.Second)
	var pkt rtp.Packet
	pkt.Header = rtp.Header{Version: 2, PayloadType: 111, SSRC: 0x1234, SequenceNumber: 1000, Timestamp: 5000}
	if err := pkt.Header.SetExtension(1, []byte{0x80 | level}); err != nil {
		tb.Fatal(err)
	}
	pb := &packetBench{b: b, now: now}
	for i := 0; i < u.Len(); i++ {
		pkt.Payload = u.Packet(i).Opus
		raw, err := pkt.Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		pb.pkts = append(pb.pkts, raw)
	}
	pb.t = b.newTrackRecorder("ranchi", "s1", 1, log)
	return pb
}

// next pushes the next packet, 20 ms after the last; sequence numbers and
// timestamps run on across the repeats of the clip.
func (pb *packetBench) next() {
	raw := pb.pkts[pb.i%len(pb.pkts)]
	seq := uint16(1000 + pb.i)
	ts := uint32(5000 + 960*pb.i)
	raw[2], raw[3] = byte(seq>>8), byte(seq)
	raw[4], raw[5], raw[6], raw[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	pb.i++
	pb.now = pb.now.Add(voice.FrameDuration)
	pb.t.packet(raw, pb.now)
	if pb.tickMix && pb.i%3 == 0 {
		pb.b.mix.m.Tick(pb.now) // the mix's own goroutine, every 60 ms
	}
}

// The bot's per-packet work allocates nothing once a segment is open: RTP
// parsing, the level extension, the roll call, the live mix's input, the
// segment (reorder, Ogg pages, flushes to the file, ticks) and the metrics.
func TestPacketPathDoesNotAllocate(t *testing.T) {
	pb := newPacketBench(t, 30)
	pb.tickMix = true
	for range 500 { // open the segment, start the turn, fill the buffers
		pb.next()
	}
	if n := testing.AllocsPerRun(3000, pb.next); n != 0 {
		t.Errorf("%v allocations per packet in steady state, want 0", n)
	}
	st := pb.t.seg.Stats()
	if st.Received < 3500 || st.LateDropped != 0 || st.InvalidDropped != 0 || st.FramesConcealed != 0 {
		t.Errorf("segment stats %+v: want every packet written", st)
	}
}

// BenchmarkPacketPath is the cost of one packet in the bot's receive →
// recorder path, after pion hands it over, for a room that is speaking (the
// live mix decodes its packets) and one that only listens (level 90: the
// mix skips it). cpu-ns/op is the process's CPU time per packet (user and
// system: the segment writes its pages to the file twice a second of audio,
// and the bench's clock runs far faster than real time), which, unlike
// ns/op, does not count time the machine spent on other work. The mix's
// own ticks (mix, encode, write) are per meeting, not per packet, and not
// in it: see the mixer's benchmarks.
func BenchmarkPacketPath(b *testing.B) {
	for _, c := range []struct {
		name  string
		level uint8
	}{{"speaking", 30}, {"listening", 90}} {
		b.Run(c.name, func(b *testing.B) {
			pb := newPacketBench(b, c.level)
			for range 500 {
				pb.next()
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cputime.Process()
			for range b.N {
				pb.next()
			}
			b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
