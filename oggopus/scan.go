package oggopus

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/thesyncim/gopus/container/ogg"
)

// Packet is one Opus packet read back from an Ogg stream, with its place.
type Packet struct {
	Data    []byte // aliases the scanned bytes unless it spanned pages
	Pos     int64  // decoded-sample position of its first sample (pre-skip included)
	Samples int    // duration in 48 kHz samples
}

// Stream is what Scan recovered from an Ogg Opus stream.
type Stream struct {
	PreSkip  int
	Channels int
	Packets  []Packet
	// EOS reports that the end-of-stream page was read: the writer closed
	// the stream. A segment cut off by a crash has none.
	EOS bool
	// CorruptPages counts pages skipped for a bad checksum or a broken
	// header; MissingPages counts gaps in page sequence numbers (pages lost
	// whole, including the corrupt ones).
	CorruptPages, MissingPages int
	// SkippedBytes are bytes not used because they were part of corrupt
	// pages or were not pages at all; TruncatedBytes are a final page cut
	// short.
	SkippedBytes, TruncatedBytes int64
	// InvalidPackets are packets dropped because their duration could not
	// be read from their TOC.
	InvalidPackets int
	// BadGranules counts pages whose granule position was negative (other
	// than -1, "none") or put their packets further after the previous ones
	// than the bytes in between could have held (see MaxSamplesPerByte);
	// their packets were placed right after the previous ones instead, so a
	// damaged or forged granule position cannot make the stream seem hours
	// long: Samples() never exceeds 2880 per byte of the stream.
	BadGranules int
}

// MaxSamplesPerByte bounds the audio any bytes of an Ogg Opus stream can
// hold: an Opus packet takes at least one byte for 120 ms (a code 1 TOC
// alone: two empty 60 ms frames) and an Ogg lacing value, and every page
// has a 27-byte header, so no valid stream carries more than 5760 samples
// per 2 bytes. A granule position further ahead of the previous packet's end
// than the bytes in between (skipped, corrupt or other pages, and the page
// itself) could hold is damage, not lost audio. The live capture's segments
// hold at most 137 samples per byte (a 120 ms silence packet on a 42-byte
// page).
const MaxSamplesPerByte = MaxPacketSamples / 2

// Samples is the stream's played length: the end of the last packet, less
// the pre-skip.
func (s *Stream) Samples() int64 {
	if len(s.Packets) == 0 {
		return 0
	}
	last := s.Packets[len(s.Packets)-1]
	return max(0, last.Pos+int64(last.Samples)-int64(s.PreSkip))
}

// capturePattern starts every Ogg page (RFC 3533 section 6).
var capturePattern = []byte("OggS")

// Scan reads every Opus packet it can from an Ogg Opus stream, with the
// position granule positions give it. Unlike a player, which stops at the
// first bad page, it resynchronises on the next "OggS" capture pattern
// after a corrupt page (RFC 3533 section 6 makes the pattern and the page
// checksum exist for exactly this) and reports what it skipped. Positions
// come from each page's granule position, so the audio after a lost page
// stays where it belongs, unless the position is more than the bytes before
// it could hold (Stream.BadGranules). Only a stream whose OpusHead cannot be
// found is an error (ErrNotOggOpus).
func Scan(data []byte) (*Stream, error) {
	sc := &Stream{}
	var (
		serial    uint32
		haveHead  bool
		haveTags  bool
		lastSeq   uint32
		placedEnd int    // offset just after the last page that placed packets
		partial   []byte // packet continuing onto the next page
		inPartial bool
		done      []Packet // packets completed on the current page
	)
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], capturePattern)
		if i < 0 {
			sc.SkippedBytes += int64(len(data) - off)
			break
		}
		sc.SkippedBytes += int64(i)
		off += i
		page, n, err := ogg.ParsePage(data[off:])
		if err != nil {
			if errors.Is(err, ogg.ErrInvalidPage) && bytes.Index(data[off+1:], capturePattern) < 0 {
				sc.TruncatedBytes = int64(len(data) - off)
				break
			}
			sc.CorruptPages++
			sc.SkippedBytes++
			off++
			inPartial = false
			continue
		}
		off += n
		if !haveHead {
			pk := page.Packets()
			if !page.IsBOS() || len(pk) == 0 {
				return nil, fmt.Errorf("%w: first page is not an OpusHead page", ErrNotOggOpus)
			}
			head, err := ogg.ParseOpusHead(pk[0])
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotOggOpus, err)
			}
			serial, lastSeq, haveHead = page.SerialNumber, page.PageSequence, true
			sc.PreSkip, sc.Channels = int(head.PreSkip), int(head.Channels)
			continue
		}
		if page.SerialNumber != serial {
			continue // another logical stream
		}
		if gap := int64(page.PageSequence) - int64(lastSeq) - 1; gap != 0 {
			sc.MissingPages += int(max(gap, 0))
			inPartial = false
		}
		lastSeq = page.PageSequence
		// A continued packet whose start was lost cannot be used; drop
		// its remainder (up to the first lacing value below 255).
		dropFirst := page.IsContinuation() && !inPartial
		if !page.IsContinuation() {
			inPartial = false
		}
		done = done[:0]
		start, pos := 0, 0
		for _, seg := range page.Segments {
			pos += int(seg)
			if seg == 255 {
				continue
			}
			body := page.Payload[start:pos]
			if inPartial {
				body = append(partial, body...)
				inPartial = false
			}
			start = pos
			if dropFirst {
				dropFirst = false
				continue
			}
			if !haveTags {
				haveTags = true
				if bytes.HasPrefix(body, []byte("OpusTags")) {
					continue
				}
			}
			if len(body) == 0 {
				continue
			}
			ns, err := PacketSamples(body)
			if err != nil {
				sc.InvalidPackets++
				continue
			}
			done = append(done, Packet{Data: body, Samples: ns})
		}
		if start < pos { // a packet continues onto the next page
			switch {
			case dropFirst: // still inside the packet whose start was lost
			case inPartial:
				partial = append(partial, page.Payload[start:pos]...)
			default:
				partial = append(partial[:0:0], page.Payload[start:pos]...)
				inPartial = true
			}
		}
		if page.IsEOS() {
			sc.EOS = true
		}
		if len(done) > 0 {
			sc.place(done, page.GranulePos, int64(off-placedEnd)*MaxSamplesPerByte)
			placedEnd = off
		}
	}
	if !haveHead {
		return nil, fmt.Errorf("%w: no valid page", ErrNotOggOpus)
	}
	return sc, nil
}

// place gives the packets completed on a page their positions: the page's
// granule position is the end of the last of them (RFC 7845 section 4). A
// page without one (-1), or whose granule position lies further ahead of the
// previous packet's end than budget samples, continues from the previous
// packet.
func (sc *Stream) place(done []Packet, granule uint64, budget int64) {
	var total int64
	for _, p := range done {
		total += int64(p.Samples)
	}
	var next int64 // where continuing from the previous packet puts them
	if len(sc.Packets) > 0 {
		last := sc.Packets[len(sc.Packets)-1]
		next = last.Pos + int64(last.Samples)
	}
	pos := next
	switch g := int64(granule); {
	case g == -1: // no position on this page
	case g < 0: // beyond any stream: 2^63 samples are six million years
		sc.BadGranules++
	case g >= total:
		// next and budget are far below 2^63 (a stream's bytes times
		// MaxSamplesPerByte), so nothing overflows.
		if g-next <= budget {
			pos = g - total
		} else {
			sc.BadGranules++
		}
	}
	for _, p := range done {
		p.Pos = pos
		pos += int64(p.Samples)
		sc.Packets = append(sc.Packets, p)
	}
}
