// Command mkclips makes the Hindi clips that samvad's simulated rooms say:
// voice/clips/<room>.ogg, embedded into package voice.
//
// Run it from the module root after changing the room table in rooms.go:
//
//	apt-get install -y espeak-ng    # Debian's; needed only here, never at run time
//	go run ./tools/mkclips          # writes voice/clips/*.ogg
//
// For each room it has espeak-ng speak the room's sentence with the "hi"
// voice into a WAV file, trims the silence around it, normalizes its peak,
// resamples it in Go from espeak-ng's 22050 Hz to Opus's 48 kHz, encodes
// it with voice.Encode (gopus, mono, SILK at about 14 kbit/s, 20 ms frames:
// the same setting as the simulator's synthesized voices) and writes an
// Ogg Opus file of a few KB. The output is deterministic: the same
// espeak-ng gives the same bytes, so a rerun shows a diff only where a
// sentence or the encoder changed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/samvad/samvad/voice"
)

func main() {
	out := flag.String("out", filepath.Join("voice", "clips"), "directory for the <room>.ogg files")
	espeak := flag.String("espeak", "espeak-ng", "the espeak-ng program")
	lang := flag.String("voice", "hi", "espeak-ng voice")
	flag.Parse()
	log.SetFlags(0)

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatalf("mkclips: %v", err)
	}
	var total int
	for _, r := range rooms() {
		n, d, err := makeClip(*espeak, *lang, r, filepath.Join(*out, r.id+".ogg"))
		if err != nil {
			log.Fatalf("mkclips: %s: %v", r.id, err)
		}
		total += n
		fmt.Printf("%-22s %5.2f s %6d bytes  %s\n", r.id, d, n, r.text)
	}
	fmt.Printf("%d clips, %d bytes in %s\n", len(rooms()), total, *out)
}

// makeClip speaks, shapes, encodes and writes one room's clip, and returns
// the file's size and the clip's duration in seconds.
func makeClip(espeak, lang string, r room, path string) (int, float64, error) {
	pcm, rate, err := speak(espeak, lang, r.text)
	if err != nil {
		return 0, 0, err
	}
	pcm = trim(pcm, rate)
	if len(pcm) == 0 {
		return 0, 0, fmt.Errorf("espeak-ng said nothing for %q", r.text)
	}
	// Every room speaks at the same loudness whatever espeak-ng made of
	// its words.
	voice.Normalize(pcm, clipPeak)
	u, err := voice.Encode(resample(pcm, rate, voice.SampleRate))
	if err != nil {
		return 0, 0, fmt.Errorf("encode: %w", err)
	}
	var b bytes.Buffer
	if err := writeOgg(&b, r.id, r.text, u); err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return 0, 0, fmt.Errorf("write clip: %w", err)
	}
	return b.Len(), u.Duration().Seconds(), nil
}
