package mixer

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/cputime"
	"github.com/samvad/samvad/oggopus"
	"github.com/samvad/samvad/voice"
	"github.com/thesyncim/gopus/container/ogg"
)

// benchRooms is the meeting the benchmarks mix: 25 rooms, as the real one
// has (24 districts and the centre).
const benchRooms = 25

// quietRoom is 30 s of what a connected room that says nothing sends with
// DTX off, as browsers do: real packets of a faint noise floor (-70 dBov).
func quietRoom(tb testing.TB) [][]byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	pcm := make([]float32, 30*oggopus.SampleRate)
	for i := range pcm {
		pcm[i] = float32(0.0003 * (2*rng.Float64() - 1))
	}
	pk, err := audiotest.Encode(pcm, audiotest.EncodeConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return pk
}

// speech is 30 s of voice-like babble with its levels.
func speech(seed int64) voice.Utterance { return voice.Synth(seed, 30*time.Second) }

// BenchmarkLiveMix is the live mixer's cost per 20 ms of meeting: every room
// delivers a frame (with its level), and the mixer ticks. One op is 20 ms of
// audio; "%core" is its share of one core in real time.
func BenchmarkLiveMix(b *testing.B) {
	quiet := quietRoom(b)
	talk := []voice.Utterance{speech(1), speech(2)}
	for _, c := range []struct {
		name     string
		speaking int  // rooms talking (room 1 only every other 10 s)
		noLevels bool // no audio levels: every room decoded
	}{
		{"1-2_of_25_speaking", 2, false},
		{"25_rooms_without_levels", 2, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := New(io.Discard, t0, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ins := make([]*Input, benchRooms)
			for r := range ins {
				if ins[r], err = m.Open(t0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			cpu0 := cputime.Process()
			for b.Loop() {
				arr := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				for r, in := range ins {
					p, lvl := quiet[i%len(quiet)], 70
					if r < c.speaking && (r == 0 || i/500%2 == 1) {
						vp := talk[r].Packet(i % talk[r].Len())
						p, lvl = vp.Opus, int(vp.Level)
					}
					if !c.noLevels {
						in.Level(arr, lvl)
					}
					in.Frame(oggopus.Frame{Pos: int64(i) * FrameSamples, Packet: p, Samples: FrameSamples, Kind: oggopus.FrameAudio})
				}
				if err := m.Tick(arr); err != nil {
					b.Fatal(err)
				}
				i++
			}
			// The share of one core the mixer needs in real time, from the
			// CPU it used (wall time on a loaded machine would overstate it).
			b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N)/20e6*100, "%core")
			st := m.Stats()
			b.ReportMetric(float64(st.PacketsDecoded)/float64(b.N), "decodes/op")
		})
	}
}

// writeRoomFile writes a stitched-like room file: pre-skip 312, packets
// from pk looped over n frames.
func writeRoomFile(tb testing.TB, root *os.Root, name string, n int, pk func(i int) []byte) {
	tb.Helper()
	f, err := root.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	ow, err := ogg.NewWriterWithConfig(bw, ogg.WriterConfig{SampleRate: oggopus.SampleRate, Channels: 1, PreSkip: 312, StreamCount: 1})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		if err := ow.WritePacket(pk(i), FrameSamples); err != nil {
			tb.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkMixFiles mixes 10 minutes of a 25-room meeting from stitched
// files, as `samvad report` does. One op is the 10 minutes; "s/3h" is the
// same rate over a three-hour meeting, in wall time and in CPU time (both
// goroutines: on two idle cores the wall time is about half of it).
//   - overlap: the worst case for two speakers, both talking all along;
//     the other 23 rooms absent or muted (silence packets).
//   - turns: two rooms taking 20 s turns; the other 23 connected and quiet,
//     sending noise packets all along; speaking turns given as Sounding.
func BenchmarkMixFiles(b *testing.B) {
	const length = 10 * time.Minute
	frames := int(length / (20 * time.Millisecond))
	quiet := quietRoom(b)
	talk := []voice.Utterance{speech(1), speech(2)}
	silence := []byte{0xf8, 0xff, 0xfe}
	for _, c := range []string{"overlap", "turns"} {
		b.Run(c, func(b *testing.B) {
			root, err := os.OpenRoot(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer root.Close()
			rooms := make([]Room, benchRooms)
			for r := range rooms {
				rooms[r].Path = fmt.Sprintf("room%02d.ogg", r)
				turn := func(i int) bool { return c == "overlap" || i/1000%2 == r }
				writeRoomFile(b, root, rooms[r].Path, frames, func(i int) []byte {
					switch {
					case r < 2 && turn(i):
						return talk[r].Packet(i % talk[r].Len()).Opus
					case c == "turns":
						return quiet[i%len(quiet)]
					}
					return silence
				})
				if c == "turns" {
					rooms[r].Sounding = []Span{}
					for at := time.Duration(r) * 20 * time.Second; r < 2 && at < length; at += 40 * time.Second {
						rooms[r].Sounding = append(rooms[r].Sounding, Span{From: at, To: at + 20*time.Second})
					}
				}
			}
			b.ReportAllocs()
			n := 0
			var res *Result
			var size int64
			cpu0 := cputime.Process()
			for b.Loop() {
				out := fmt.Sprintf("mix%d.ogg", n)
				if res, err = MixFiles(root, out, rooms, length, Options{}); err != nil {
					b.Fatal(err)
				}
				if fi, err := root.Stat(out); err == nil {
					size = fi.Size()
				}
				root.Remove(out)
				n++
			}
			scale := float64(3*time.Hour) / float64(length) / float64(b.N)
			b.ReportMetric(b.Elapsed().Seconds()*scale, "s/3h")
			b.ReportMetric((cputime.Process()-cpu0).Seconds()*scale, "cpu-s/3h")
			b.ReportMetric(float64(res.Stats.PacketsDecoded)/float64(frames), "decodes/frame")
			b.ReportMetric(float64(size)/1e6*float64(time.Hour)/float64(length), "MB/h")
		})
	}
}
