package voice

import (
	"bytes"
	"errors"
	"io"
	"path"
	"slices"
	"testing"
	"time"

	"github.com/thesyncim/gopus"
	"github.com/thesyncim/gopus/container/ogg"
)

// wantRooms is every room of the real meeting that must have a clip,
// written out here rather than taken from tools/mkclips so that the test
// catches a room dropped from the generator.
var wantRooms = []string{
	"host", "central",
	"bokaro", "chatra", "deoghar", "dhanbad", "dumka", "east-singhbhum",
	"garhwa", "giridih", "godda", "gumla", "hazaribagh", "jamtara", "khunti",
	"koderma", "latehar", "lohardaga", "pakur", "palamu", "ramgarh", "ranchi",
	"sahebganj", "seraikela-kharsawan", "simdega", "west-singhbhum",
}

func TestEveryRoomHasAClip(t *testing.T) {
	got := Rooms()
	for _, room := range wantRooms {
		if !slices.Contains(got, room) {
			t.Errorf("no clip for room %q", room)
		}
		if _, ok := Clip(room); !ok {
			t.Errorf("Clip(%q) not found", room)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("Rooms() not sorted: %v", got)
	}
	if _, ok := Clip("no-such-room"); ok {
		t.Error("Clip of an unknown room found")
	}
}

// TestClipFilesDecode reads every embedded file the way any Ogg Opus
// consumer would, with gopus's Ogg reader and decoder, independently of
// the package's own loader.
func TestClipFilesDecode(t *testing.T) {
	for _, room := range Rooms() {
		t.Run(room, func(t *testing.T) {
			file, err := clipFiles.ReadFile(path.Join("clips", room+".ogg"))
			if err != nil {
				t.Fatal(err)
			}
			if len(file) > 8<<10 {
				t.Errorf("clip is %d bytes, want a few KB", len(file))
			}
			r, err := ogg.NewReader(bytes.NewReader(file))
			if err != nil {
				t.Fatalf("ogg: %v", err)
			}
			if r.Channels() != 1 {
				t.Errorf("%d channels, want mono", r.Channels())
			}
			dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(SampleRate, 1))
			if err != nil {
				t.Fatal(err)
			}
			var pcm []float32
			var packets [][]byte
			frame := make([]float32, 5760)
			for {
				p, _, err := r.ReadPacket()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("packet %d: %v", len(packets), err)
				}
				n, err := dec.Decode(p, frame)
				if err != nil {
					t.Fatalf("decode packet %d: %v", len(packets), err)
				}
				packets = append(packets, p)
				pcm = append(pcm, frame[:n]...)
			}
			pcm = pcm[min(int(r.PreSkip()), len(pcm)):]
			d := time.Duration(len(pcm)) * time.Second / SampleRate
			if d < time.Second || d > 4*time.Second {
				t.Errorf("clip plays %v, want 1-4 s", d)
			}
			if v := rms(pcm); v < 0.03 {
				t.Errorf("RMS %.4f: clip is (nearly) silent", v)
			}

			u, _ := Clip(room)
			if u.Len() != len(packets) {
				t.Fatalf("Clip has %d packets, file %d", u.Len(), len(packets))
			}
			for i, p := range packets {
				if !bytes.Equal(u.Packet(i).Opus, p) {
					t.Fatalf("Clip packet %d differs from the file's", i)
				}
			}
			if u.Duration() != time.Duration(len(packets))*FrameDuration {
				t.Errorf("Duration %v for %d packets", u.Duration(), len(packets))
			}
		})
	}
}

// TestClipLevels checks that a clip's RFC 6464 levels say "speech": loud
// packets while it speaks, quiet ones at its edges.
func TestClipLevels(t *testing.T) {
	u, _ := Clip("ranchi")
	loudest, quietest := uint8(127), uint8(0)
	for i := range u.Len() {
		loudest = min(loudest, u.Packet(i).Level)
		quietest = max(quietest, u.Packet(i).Level)
	}
	if loudest > 25 {
		t.Errorf("loudest packet at -%d dBov, want speech louder than -25 dBov", loudest)
	}
	if quietest < 50 {
		t.Errorf("quietest packet at -%d dBov, want pauses below -50 dBov", quietest)
	}
}
