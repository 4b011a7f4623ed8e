package oggopus

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/thesyncim/gopus/container/ogg"
)

func page(serial, seq uint32, flags byte, granule uint64, segs []byte, payload ...[]byte) []byte {
	p := ogg.Page{HeaderType: flags, GranulePos: granule, SerialNumber: serial, PageSequence: seq, Segments: segs, Payload: bytes.Join(payload, nil)}
	return p.Encode()
}

func TestScanPagesAndPackets(t *testing.T) {
	head := ogg.DefaultOpusHead(48000, 1)
	head.PreSkip = 312
	big := append([]byte{0xF8}, bytes.Repeat([]byte{0x5A}, 599)...) // 600 bytes, spans two pages
	a, c, d := []byte(silence960), []byte{0xF0, 1, 2}, []byte{0xF8, 9}
	hp := page(7, 0, ogg.PageFlagBOS, 0, []byte{19}, head.Encode())
	tags := ogg.DefaultOpusTags().Encode()
	tp := page(7, 1, 0, 0, []byte{byte(len(tags))}, tags)
	p2 := page(7, 2, 0, 960, []byte{3, 255, 255}, a, big[:510])
	p3 := page(7, 3, ogg.PageFlagContinuation, 960+960+480, []byte{90, 3}, big[510:], c)
	other := page(99, 0, ogg.PageFlagBOS, 0, []byte{19}, head.Encode())
	p4 := page(7, 4, ogg.PageFlagEOS, 960+960+480+960, []byte{2}, d)
	garbage := []byte("\x00\x01junk between pages")

	t.Run("intact with noise", func(t *testing.T) {
		data := bytes.Join([][]byte{hp, tp, p2, garbage, other, p3, p4}, nil)
		sc, err := Scan(data)
		if err != nil {
			t.Fatal(err)
		}
		want := []Packet{{a, 0, 960}, {big, 960, 960}, {c, 1920, 480}, {d, 2400, 960}}
		checkPackets(t, sc, want)
		if sc.PreSkip != 312 || sc.Channels != 1 || !sc.EOS || sc.SkippedBytes != int64(len(garbage)) || sc.CorruptPages+sc.MissingPages != 0 {
			t.Errorf("scan %+v", sc)
		}
		if sc.Samples() != 3360-312 {
			t.Errorf("Samples() = %d", sc.Samples())
		}
	})
	t.Run("lost page with the start of a spanning packet", func(t *testing.T) {
		sc, err := Scan(bytes.Join([][]byte{hp, tp, p3, p4}, nil))
		if err != nil {
			t.Fatal(err)
		}
		checkPackets(t, sc, []Packet{{c, 1920, 480}, {d, 2400, 960}})
		if sc.MissingPages != 1 {
			t.Errorf("missing pages %d, want 1", sc.MissingPages)
		}
	})
	t.Run("corrupt page and torn tail", func(t *testing.T) {
		bad := bytes.Clone(p2)
		bad[len(bad)-1] ^= 1
		data := bytes.Join([][]byte{hp, tp, bad, p3, p4[:len(p4)-1]}, nil)
		sc, err := Scan(data)
		if err != nil {
			t.Fatal(err)
		}
		checkPackets(t, sc, []Packet{{c, 1920, 480}})
		if sc.CorruptPages != 1 || sc.MissingPages != 1 || sc.TruncatedBytes != int64(len(p4)-1) || sc.EOS {
			t.Errorf("scan %+v", sc)
		}
		if sc.SkippedBytes != int64(len(bad)) {
			t.Errorf("skipped %d bytes, want the corrupt page's %d", sc.SkippedBytes, len(bad))
		}
	})
	t.Run("not Opus", func(t *testing.T) {
		for _, data := range [][]byte{nil, []byte("hello"), tp, hp[:20]} {
			if _, err := Scan(data); !errors.Is(err, ErrNotOggOpus) {
				t.Errorf("% x...: err %v", data[:min(len(data), 8)], err)
			}
		}
	})
}

func checkPackets(t *testing.T, sc *Stream, want []Packet) {
	t.Helper()
	if len(sc.Packets) != len(want) {
		t.Fatalf("%d packets, want %d: %+v", len(sc.Packets), len(want), sc.Packets)
	}
	for i, w := range want {
		g := sc.Packets[i]
		if !bytes.Equal(g.Data, w.Data) || g.Pos != w.Pos || g.Samples != w.Samples {
			t.Errorf("packet %d: %d bytes at %d (%d samples), want %d bytes at %d (%d)", i, len(g.Data), g.Pos, g.Samples, len(w.Data), w.Pos, w.Samples)
		}
	}
}

// TestScanMatchesGopusReader reads a stream gopus wrote with gopus' own
// reader and with Scan: same packets, same granule positions.
func TestScanMatchesGopusReader(t *testing.T) {
	var bursts []audiotest.Burst
	for k := range 6 {
		bursts = append(bursts, audiotest.Burst{At: time.Duration(300+600*k) * time.Millisecond, Dur: 200 * time.Millisecond, Freq: float64(400 + 200*k)})
	}
	packets, err := audiotest.Encode(audiotest.Render(4*time.Second, bursts), audiotest.EncodeConfig{FrameSamples: 480})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := ogg.NewWriter(&buf, 48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range packets {
		if i%7 == 3 {
			if err := w.WritePacket([]byte(silence5760), 5760); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WritePacket(p, 480); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sc, err := Scan(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r, err := ogg.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		p, granule, err := r.ReadPacket()
		if err == io.EOF {
			if i != len(sc.Packets) {
				t.Fatalf("gopus read %d packets, Scan %d", i, len(sc.Packets))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		g := sc.Packets[i]
		if !bytes.Equal(p, g.Data) || int64(granule) != g.Pos+int64(g.Samples) {
			t.Fatalf("packet %d: gopus %d bytes ending %d, Scan %d bytes ending %d", i, len(p), granule, len(g.Data), g.Pos+int64(g.Samples))
		}
	}
}

// TestScanBoundsGranuleJumps: a page whose granule position is further
// ahead than the bytes since the previous packet could hold (forged, or a
// writer gone wrong: the checksum is valid) continues from the previous
// packet, so a damaged segment cannot make a report fill hours of silence;
// a jump the skipped bytes can explain is lost audio and keeps its place.
func TestScanBoundsGranuleJumps(t *testing.T) {
	head := ogg.DefaultOpusHead(48000, 1)
	head.PreSkip = 312
	hp := page(7, 0, ogg.PageFlagBOS, 0, []byte{19}, head.Encode())
	tags := ogg.DefaultOpusTags().Encode()
	tp := page(7, 1, 0, 0, []byte{byte(len(tags))}, tags)
	a := []byte(silence960)
	p2 := page(7, 2, 0, 960, []byte{3}, a)
	// 1e12 samples is over half a year; 2^62 overflows a time.Duration.
	for _, g := range []uint64{1e12, 1 << 62, 1<<63 - 1} {
		forged := page(7, 3, 0, g, []byte{3}, a)
		p4 := page(7, 4, ogg.PageFlagEOS, g+960, []byte{3}, a)
		data := bytes.Join([][]byte{hp, tp, p2, forged, p4}, nil)
		sc, err := Scan(data)
		if err != nil {
			t.Fatal(err)
		}
		checkPackets(t, sc, []Packet{{a, 0, 960}, {a, 960, 960}, {a, 1920, 960}})
		if sc.BadGranules != 2 || sc.Samples() != 3*960-312 {
			t.Errorf("granule %d: %d bad granules, %d samples", g, sc.BadGranules, sc.Samples())
		}
	}

	// 10 s lost in a region of zeroed bytes: with the page after it, 167
	// bytes can hold that and the packet after it (5760 samples per 2
	// bytes); 166 cannot.
	p4 := page(7, 4, ogg.PageFlagEOS, 960+480000+960, []byte{3}, a)
	for _, c := range []struct {
		zeros int
		bad   int
	}{{167 - len(p4), 0}, {166 - len(p4), 1}} {
		data := bytes.Join([][]byte{hp, tp, p2, make([]byte, c.zeros), p4}, nil)
		sc, err := Scan(data)
		if err != nil {
			t.Fatal(err)
		}
		want := int64(960 + 480000)
		if c.bad > 0 {
			want = 960
		}
		checkPackets(t, sc, []Packet{{a, 0, 960}, {a, want, 960}})
		if sc.BadGranules != c.bad {
			t.Errorf("%d zero bytes: %d bad granules, want %d", c.zeros, sc.BadGranules, c.bad)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		samples int64
		want    time.Duration
	}{
		{0, 0}, {1, 20833}, {48000, time.Second}, {-48001, -time.Second - 20833},
		{100 * 3600 * 48000, 100 * time.Hour}, // 4.8e9 samples times 1e9 overflows int64
		{2880 << 32, 257698037760000000},      // 2880 samples per byte of a 4 GiB file: 8 years
	} {
		if got := Duration(c.samples); got != c.want {
			t.Errorf("Duration(%d) = %v, want %v", c.samples, got, c.want)
		}
	}
}
