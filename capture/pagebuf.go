package capture

import (
	"encoding/binary"
	"io"
	"slices"

	"github.com/thesyncim/gopus/container/ogg"

	"github.com/samvad/samvad/oggopus"
)

// pageBuffer holds a segment's Ogg pages until they are on the file. The Ogg
// writer hands over one complete page per Write, and Write never fails: the
// page is kept in memory. Flush writes everything kept; while it succeeds the
// buffer stays small and nothing allocates.
//
// When a write fails (disk full, I/O error, a short write) the pages stay
// held and the next Flush retries from exactly the byte where the file
// stopped: the file is only ever appended to, so a page cut by a short write
// is completed by the retry and the file is never torn in the middle of a
// page. Held bytes, with the silence pending for dropped pages, are bounded
// by max (but for the pinned bytes and the newest page, should they alone
// exceed it): past it the oldest whole pages are dropped, never the rest of
// a page the file has the start of nor the stream's header pages, and the
// next Flush writes silence pages in their place (same serial, the first of
// the dropped pages' sequence numbers, ending at the last one's granule
// position), so the file keeps playing for the wall-clock time it covers and
// oggopus.Scan places what follows where it belongs. That silence costs
// about 117 bytes a second of the hold and is capped at half of it (a gap of
// ten hours for the default MaxHeld); an older part of a longer gap is left
// out of the stream, which stitching still places by granule position but a
// player closes up.
type pageBuffer struct {
	w io.Writer
	// buf[off:] is not on the file yet. From off+pin on it is whole pages.
	buf []byte
	off int
	// pin is the number of bytes at buf[off:] that are never dropped: the
	// rest of a page whose start is on the file, and the stream's header
	// pages until they are written. It always ends on a page boundary.
	pin int
	// silent is the number of bytes right after the pinned ones that are
	// silence pages standing in for dropped ones: dropping them again loses
	// no audio.
	silent  int
	flushAt int // while healthy, write out before holding more than this
	max     int // bound on held bytes (Config.MaxHeld)
	gap     pageGap
	err     error // of the last write attempt; nil when it wrote everything

	failures, recoveries         int64
	droppedBytes, droppedSamples int64
	lost                         int // bytes held when the buffer was released
}

// pageGap describes the pages dropped right after the pinned bytes since the
// last Flush: a run of consecutive pages, to be replaced by silence.
type pageGap struct {
	pages      uint32 // 0: no gap
	seq        uint32 // sequence number of the first
	serial     uint32
	start, end int64 // granule positions before the first packet and after the last
}

func newPageBuffer(w io.Writer, size, max int) pageBuffer {
	return pageBuffer{w: w, buf: make([]byte, 0, size), flushAt: size, max: max}
}

// held is how many bytes are not on the file yet.
func (b *pageBuffer) held() int { return len(b.buf) - b.off }

// release frees the memory of a buffer no longer used, remembering how many
// bytes it still held (they are lost).
func (b *pageBuffer) release() {
	b.lost += b.held()
	b.buf, b.off, b.pin, b.silent, b.gap = nil, 0, 0, 0, pageGap{}
}

// pinAll keeps everything held from being dropped (the stream's headers).
func (b *pageBuffer) pinAll() { b.pin = b.held() }

// Write takes one whole Ogg page. It never fails.
func (b *pageBuffer) Write(p []byte) (int, error) {
	if b.err == nil && b.held() > 0 && b.held()+len(p) > min(b.flushAt, b.max) {
		b.Flush() // a failure is kept in b.err; the page is held below
	}
	if b.held()+len(p)+b.gapBytes() > b.max {
		b.drop(len(p))
	}
	b.reserve(len(p))
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out everything held, silence first in place of pages
// dropped since the last Flush. On failure what was not written stays held
// and the error is returned (and kept in b.err until a Flush succeeds).
func (b *pageBuffer) Flush() error {
	b.fillGap()
	held := b.held()
	if held == 0 {
		b.healthy()
		return nil
	}
	n, err := b.w.Write(b.buf[b.off:])
	n = max(0, min(n, held)) // a writer breaking the io.Writer contract
	if err == nil && n < held {
		err = io.ErrShortWrite
	}
	if err != nil {
		b.consume(n)
		b.err = err
		b.failures++
		return err
	}
	b.buf, b.off, b.pin, b.silent = b.buf[:0], 0, 0, 0
	b.healthy()
	return nil
}

// healthy ends a stretch of failed writes, if there was one.
func (b *pageBuffer) healthy() {
	if b.err == nil {
		return
	}
	b.err = nil
	b.recoveries++
	if b.held() == 0 && cap(b.buf) > 4*b.flushAt {
		b.buf, b.off = make([]byte, 0, b.flushAt), 0 // give the hold back
	}
}

// consume drops the first n held bytes, which are now on the file.
func (b *pageBuffer) consume(n int) {
	if n == 0 {
		return
	}
	silentEnd := b.off + b.pin + b.silent
	end := b.off + n
	p := b.off + b.pin
	for p < end {
		p += pageLen(b.buf[p:])
	}
	b.off = end
	b.pin = max(p, end) - end // the rest of the page the write cut, if any
	b.silent = max(0, silentEnd-b.off-b.pin)
}

// drop discards the oldest whole pages after the pinned bytes, adding them
// to the gap, until another over bytes fit together with the silence that
// will stand in for the gap, or nothing droppable is left.
func (b *pageBuffer) drop(more int) {
	start := b.off + b.pin
	p := start
	for p < len(b.buf) && b.held()-(p-start)+more+b.gapBytes() > b.max {
		pg := b.buf[p:]
		n := pageLen(pg)
		gran := int64(binary.LittleEndian.Uint64(pg[6:14]))
		samples := pageSamples(pg[:n])
		if b.gap.pages == 0 {
			b.gap = pageGap{seq: binary.LittleEndian.Uint32(pg[18:22]), serial: binary.LittleEndian.Uint32(pg[14:18]), start: gran - samples}
		}
		b.gap.pages++
		b.gap.end = gran
		if p-start >= b.silent { // audio, not silence standing in for some
			b.droppedBytes += int64(n)
			b.droppedSamples += samples
		}
		p += n
	}
	freed := p - start
	b.silent = max(0, b.silent-freed)
	copy(b.buf[b.off+freed:], b.buf[b.off:b.off+b.pin]) // the pinned bytes move up to the kept pages
	b.off += freed
}

// Silence standing in for dropped pages: up to 255 packets of 120 ms on a
// page (3852 bytes for 30.6 s), so a gap costs about 117 bytes a second, 2%
// of the audio it replaces.
const (
	gapPacketsPerPage = 255
	gapPageBytes      = 27 + gapPacketsPerPage*(1+oggopus.SilenceLongBytes)
	gapPageSamples    = gapPacketsPerPage * oggopus.MaxPacketSamples
)

// gapSamples is how much of the gap fillGap fills: all of it, unless its
// silence would take more than half the hold (a gap of 10 hours for the
// default MaxHeld); then only its latest part, and what precedes it is
// missing from the stream (oggopus.Scan may then not place what follows by
// its granule position: see oggopus.MaxSamplesPerByte).
func (b *pageBuffer) gapSamples() int64 {
	return min(b.gap.end-b.gap.start, int64(max(1, b.max/2/gapPageBytes))*gapPageSamples)
}

// gapBytes is the size of the silence pages fillGap will write for the gap.
func (b *pageBuffer) gapBytes() int {
	if b.gap.pages == 0 {
		return 0
	}
	rest := b.gapSamples()
	packets := int(rest / oggopus.MaxPacketSamples)
	bytes := packets * oggopus.SilenceLongBytes
	rest %= oggopus.MaxPacketSamples
	for _, n := range []int64{960, 480, 240, 120} {
		packets += int(rest / n)
		bytes += int(rest/n) * oggopus.SilenceFrameBytes
		rest %= n
	}
	pages := (packets + gapPacketsPerPage - 1) / gapPacketsPerPage
	return 27*pages + packets + bytes
}

// fillGap puts silence pages in place of the dropped ones, right after the
// pinned bytes: they take the first of the dropped pages' sequence numbers
// (the rest are missing from the stream) and end at the last one's granule
// position, so the stream plays on for the wall-clock time the dropped pages
// covered.
func (b *pageBuffer) fillGap() {
	if b.gap.pages == 0 {
		return
	}
	g := b.gap
	g.start = g.end - b.gapSamples()
	b.gap = pageGap{}
	sil := oggopus.NewSilence()
	var out, segs, payload []byte
	pos := g.start
	for i := uint32(0); i < g.pages && g.end-pos >= frameQuantum; i++ {
		segs, payload = segs[:0], payload[:0]
		for len(segs) < gapPacketsPerPage && g.end-pos >= frameQuantum {
			pk, n := sil.Next(g.end - pos)
			segs = append(segs, byte(len(pk)))
			payload = append(payload, pk...)
			pos += int64(n)
		}
		// Never the end-of-stream page: that one is written last, by
		// Close, and flushed before anything could drop it.
		page := ogg.Page{GranulePos: uint64(pos), SerialNumber: g.serial, PageSequence: g.seq + i, Segments: segs, Payload: payload}
		out = append(out, page.Encode()...)
	}
	at := b.off + b.pin
	if b.off >= len(out) {
		copy(b.buf[b.off-len(out):], b.buf[b.off:at])
		b.off -= len(out)
		copy(b.buf[b.off+b.pin:], out)
	} else {
		b.buf = slices.Insert(b.buf, at, out...)
	}
	b.silent += len(out)
}

// reserve makes room for n more bytes at the end of buf. While healthy buf
// never grows; while failing it grows up to 1.25 times the bound, and the
// space freed at the front is reused once it is an eighth of the buffer, so
// a full hold shifting by a page per packet copies each byte a few times,
// not once per page.
func (b *pageBuffer) reserve(n int) {
	if len(b.buf)+n <= cap(b.buf) {
		return
	}
	held := b.held()
	need := held + n
	limit := b.max + b.max/4
	if need <= cap(b.buf) && (b.off >= cap(b.buf)/8 || cap(b.buf) >= limit) {
		copy(b.buf, b.buf[b.off:])
		b.buf = b.buf[:held]
	} else {
		nb := make([]byte, held, max(need, min(2*cap(b.buf), limit)))
		copy(nb, b.buf[b.off:])
		b.buf = nb
	}
	b.off = 0
}

// pageLen is the length of the Ogg page at the start of pg, which holds at
// least its header and segment table.
func pageLen(pg []byte) int {
	nseg := int(pg[26])
	n := 27 + nseg
	for _, l := range pg[27 : 27+nseg] {
		n += int(l)
	}
	return n
}

// pageSamples is the duration of the Opus packets a whole page completes.
func pageSamples(pg []byte) int64 {
	nseg := int(pg[26])
	body := pg[27+nseg:]
	var total int64
	start, pos := 0, 0
	for _, l := range pg[27 : 27+nseg] {
		pos += int(l)
		if l == 255 {
			continue
		}
		if n, err := oggopus.PacketSamples(body[start:pos]); err == nil {
			total += int64(n)
		}
		start = pos
	}
	return total
}
