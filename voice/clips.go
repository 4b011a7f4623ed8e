package voice

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/thesyncim/gopus"
	"github.com/thesyncim/gopus/container/ogg"
)

// clipFiles are the rooms' announcements, made by tools/mkclips: one Ogg
// Opus file per room id.
//
//go:embed clips/*.ogg
var clipFiles embed.FS

// clips is every embedded clip by room id, decoded on first use. Decoding
// all of them costs a few tens of milliseconds, once per process.
var clips = sync.OnceValue(func() map[string]Utterance {
	m := make(map[string]Utterance)
	for _, room := range Rooms() {
		b, err := clipFiles.ReadFile(path.Join("clips", room+".ogg"))
		if err == nil {
			m[room], err = readClip(b)
		}
		if err != nil {
			// The files are part of the build and every one is decoded by
			// the tests: this is a broken build, not a runtime condition.
			panic(fmt.Errorf("voice: embedded clip %q: %w", room, err))
		}
	}
	return m
})

// Clip is what the room says when it announces itself in Hindi, such as
// "रांची जिला समिति उपस्थित है" for ranchi, 1 to 4 s long; false if the room
// has no clip (see Rooms). The utterance is shared: any number of rooms
// may play it at once.
func Clip(room string) (Utterance, bool) {
	u, ok := clips()[room]
	return u, ok
}

// Rooms lists, sorted, the room ids that have a clip: host, central and
// the 24 districts of Jharkhand.
func Rooms() []string {
	entries, err := clipFiles.ReadDir("clips")
	if err != nil {
		panic(fmt.Errorf("voice: embedded clips: %w", err)) // cannot happen: the pattern matched at build time
	}
	rooms := make([]string, 0, len(entries))
	for _, e := range entries {
		rooms = append(rooms, strings.TrimSuffix(e.Name(), ".ogg"))
	}
	return rooms
}

// readClip takes the Opus packets out of an Ogg Opus file. It decodes each
// one to measure its RFC 6464 level, since a clip's file keeps no levels,
// and to make sure that it holds exactly 20 ms, as every packet of an
// Utterance must for the sender's RTP clock.
func readClip(file []byte) (Utterance, error) {
	r, err := ogg.NewReader(bytes.NewReader(file))
	if err != nil {
		return Utterance{}, fmt.Errorf("ogg: %w", err)
	}
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(SampleRate, 1))
	if err != nil {
		return Utterance{}, fmt.Errorf("new opus decoder: %w", err)
	}
	frame := make([]float32, 5760) // the longest Opus packet: 120 ms
	var packets []Packet
	for {
		p, _, err := r.ReadPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Utterance{}, fmt.Errorf("packet %d: %w", len(packets), err)
		}
		n, err := dec.Decode(p, frame)
		if err != nil {
			return Utterance{}, fmt.Errorf("decode packet %d: %w", len(packets), err)
		}
		if n != FrameSamples {
			return Utterance{}, fmt.Errorf("packet %d holds %d samples, want %d (20 ms)", len(packets), n, FrameSamples)
		}
		packets = append(packets, Packet{Opus: p, Level: audioLevel(frame[:n])})
	}
	if len(packets) == 0 {
		return Utterance{}, errors.New("no audio packets")
	}
	return Utterance{packets: packets, frames: len(packets)}, nil
}
