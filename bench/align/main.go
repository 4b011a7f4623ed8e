// Command align measures, from outside, where a recording put the tone
// bursts that `samvad simulate --probe FILE` sent: for every burst in FILE
// it finds the onset in the room's file (rooms/ID.ogg) and in mix.ogg,
// decoded with gopus independently of the recorder, and reports the onset
// error (onset less capture, both against recording_started_at) as median,
// 99th percentile and worst, for the whole meeting and for each room's
// first 10 seconds. bench/run.sh align runs it after a meeting.
//
//	align --probe FILE --rec DIR [--tolerance 20ms] [-v]
//
// A burst's capture instant is when its first packet was due to leave the
// simulated microphone; the decoded tone starts the encoder's lookahead
// (6.5 ms) later, and the detector finds it a little after that: align
// decodes the burst's packets itself to learn by how much, and adds it. A
// burst whose first packet was lost starts a frame later, where the next
// packet brings it, and the decoder takes a moment more to bring its level
// back: such a burst is measured against its own packets decoded with the
// first one concealed. The "intact" and "firstlost" lines tell the two
// apart.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/thesyncim/gopus"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/simulate"
	"github.com/samvad/samvad/voice"
)

// firstSeconds is what counts as a room's first seconds.
const firstSeconds = 10 * time.Second

// searchWindow is how far from its expected place an onset may be and
// still count as the burst's: less than half the probe's slot (280 ms).
const searchWindow = 120 * time.Millisecond

func main() {
	probe := flag.String("probe", "", "the capture log samvad simulate --probe wrote")
	rec := flag.String("rec", "", "the recording: the bot's --out folder or one recording in it")
	tol := flag.Duration("tolerance", 20*time.Millisecond, "onset error allowed either way")
	verbose := flag.Bool("v", false, "list every burst outside the tolerance")
	flag.Parse()
	if *probe == "" || *rec == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(os.Stdout, *probe, *rec, *tol, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "align:", err)
		os.Exit(1)
	}
}

// measured is one burst found (or not) in one file.
type measured struct {
	b     simulate.Burst
	err   time.Duration
	found bool
}

func run(w io.Writer, probeLog, rec string, tol time.Duration, verbose bool) error {
	bursts, err := readBursts(probeLog)
	if err != nil {
		return err
	}
	folder, err := simulate.FindRecording(rec)
	if err != nil {
		return err
	}
	man, err := recording.ReadManifest(folder)
	if err != nil {
		return err
	}
	type toneKey struct {
		freq      float64
		lostFirst bool
	}
	offsets := map[toneKey]time.Duration{}
	for _, b := range bursts {
		k := toneKey{b.Freq, b.FirstLost}
		if _, ok := offsets[k]; !ok {
			if offsets[k], err = toneOnset(b.Freq, b.FirstLost); err != nil {
				return err
			}
		}
	}
	expect := func(b simulate.Burst) time.Duration {
		return b.Captured.Sub(man.StartedAt()) + offsets[toneKey{b.Freq, b.FirstLost}]
	}
	byRoom := map[string][]simulate.Burst{}
	var rooms []string
	for _, b := range bursts {
		if _, ok := byRoom[b.Room]; !ok {
			rooms = append(rooms, b.Room)
		}
		byRoom[b.Room] = append(byRoom[b.Room], b)
	}
	sort.Strings(rooms)

	var files []measured
	for _, id := range rooms {
		onsets, err := onsetsIn(filepath.Join(folder, "rooms", id+".ogg"))
		if err != nil {
			return err
		}
		for _, b := range byRoom[id] {
			files = append(files, measure(onsets, b, expect(b)))
		}
	}
	onsets, err := onsetsIn(filepath.Join(folder, minutes.MixFile))
	if err != nil {
		return err
	}
	var mix []measured
	for _, b := range bursts {
		mix = append(mix, measure(onsets, b, expect(b)))
	}
	fmt.Fprintf(w, "recording %s: %d bursts of %d rooms, tolerance ±%v\n", folder, len(bursts), len(rooms), tol)
	for _, m := range []struct {
		what string
		ms   []measured
	}{{"rooms", files}, {"mix", mix}} {
		report(w, m.what, m.ms, tol, verbose)
	}
	return nil
}

func readBursts(path string) ([]simulate.Burst, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []simulate.Burst
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var b simulate.Burst
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, errors.New(path + ": no bursts")
	}
	return out, nil
}

func onsetsIn(path string) ([]audiotest.Onset, error) {
	dec, err := audiotest.DecodeOggFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{}), nil
}

// toneOnset is where the detector finds the onset of a probe's burst of
// freq Hz, from the start of its first packet, when the burst is decoded
// straight from its packets after silence: the encoder's lookahead and the
// detector's own bias, which a recording does not cause. With lostFirst
// the first packet is concealed, as a recorder fills a lost one: the burst
// then starts a frame later, and CELT's band energies, coded as changes
// from the frame before, take another 2.5 to 15 ms to come back (more for
// higher tones).
func toneOnset(freq float64, lostFirst bool) (time.Duration, error) {
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(voice.SampleRate, 1))
	if err != nil {
		return 0, err
	}
	lead := voice.Silence(200 * time.Millisecond)
	tone := simulate.ProbeTone(freq)
	var pcm []float32
	buf := make([]float32, 5760)
	for i := range lead.Len() + tone.Len() {
		var data []byte // nil: concealment
		switch k := i - lead.Len(); {
		case k < 0:
			data = lead.Packet(i).Opus
		case k > 0 || !lostFirst:
			data = tone.Packet(k).Opus
		}
		n, err := dec.Decode(data, buf)
		if err != nil {
			return 0, fmt.Errorf("decode probe tone: %w", err)
		}
		pcm = append(pcm, buf[:n]...)
	}
	on := audiotest.DetectBursts(pcm, audiotest.DetectConfig{})
	if len(on) != 1 {
		return 0, fmt.Errorf("probe tone of %v Hz: %d onsets decoded, want 1", freq, len(on))
	}
	return on[0].At - lead.Duration(), nil
}

// measure finds the onset nearest where b should be.
func measure(onsets []audiotest.Onset, b simulate.Burst, want time.Duration) measured {
	m := measured{b: b}
	for _, o := range onsets {
		if d := o.At - want; d.Abs() < searchWindow && (!m.found || d.Abs() < m.err.Abs()) {
			m.err, m.found = d, true
		}
	}
	return m
}

// within: the burst's error is inside the tolerance.
func (m measured) within(tol time.Duration) bool {
	return m.found && m.err.Abs() <= tol
}

func report(w io.Writer, what string, ms []measured, tol time.Duration, verbose bool) {
	line := func(label string, keep func(measured) bool) {
		var errs []time.Duration
		missing, outside := 0, 0
		for _, m := range ms {
			if !keep(m) {
				continue
			}
			if !m.found {
				missing++
				continue
			}
			errs = append(errs, m.err)
			if !m.within(tol) {
				outside++
			}
		}
		med, p99, worst := audiotest.Spread(errs)
		fmt.Fprintf(w, "align: %s %s bursts=%d missing=%d outside=%d median_ms=%.1f p99_ms=%.1f worst_ms=%.1f\n",
			what, label, len(errs), missing, outside, ms1(med), ms1(p99), ms1(worst))
	}
	line("all", func(measured) bool { return true })
	line("first10s", func(m measured) bool { return m.b.SinceJoin < firstSeconds })
	line("intact", func(m measured) bool { return !m.b.FirstLost })
	line("firstlost", func(m measured) bool { return m.b.FirstLost })
	if !verbose {
		return
	}
	for _, m := range ms {
		switch {
		case !m.found:
			fmt.Fprintf(w, "  %s %s burst %d (%.1fs after its join): not found\n", what, m.b.Room, m.b.N, m.b.SinceJoin.Seconds())
		case !m.within(tol):
			fmt.Fprintf(w, "  %s %s burst %d (%.1fs after its join, first packet lost %v): %+.1f ms\n",
				what, m.b.Room, m.b.N, m.b.SinceJoin.Seconds(), m.b.FirstLost, ms1(m.err))
		}
	}
}

func ms1(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
