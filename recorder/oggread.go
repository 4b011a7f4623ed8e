package recorder

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

// Scan is what ScanOgg recovered from an Ogg Opus stream.
type Scan struct {
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
}

// Samples is the stream's played length: the end of the last packet, less
// the pre-skip.
func (s *Scan) Samples() int64 {
	if len(s.Packets) == 0 {
		return 0
	}
	last := s.Packets[len(s.Packets)-1]
	return max(0, last.Pos+int64(last.Samples)-int64(s.PreSkip))
}

var capture = []byte("OggS")

// ScanOgg reads every Opus packet it can from an Ogg Opus stream, with the
// position granule positions give it. Unlike a player, which stops at the
// first bad page, it resynchronises on the next "OggS" capture pattern
// after a corrupt page (RFC 3533 section 6 makes the pattern and the page
// checksum exist for exactly this) and reports what it skipped. Positions
// come from each page's granule position, so the audio after a lost page
// stays where it belongs. Only a stream whose OpusHead cannot be found is an
// error (ErrNotOggOpus).
func ScanOgg(data []byte) (*Scan, error) {
	sc := &Scan{}
	var (
		serial    uint32
		haveHead  bool
		haveTags  bool
		lastSeq   uint32
		partial   []byte // packet continuing onto the next page
		inPartial bool
		done      []Packet // packets completed on the current page
	)
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], capture)
		if i < 0 {
			sc.SkippedBytes += int64(len(data) - off)
			break
		}
		sc.SkippedBytes += int64(i)
		off += i
		page, n, err := ogg.ParsePage(data[off:])
		if err != nil {
			if errors.Is(err, ogg.ErrInvalidPage) && bytes.Index(data[off+1:], capture) < 0 {
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
			ns, err := packetSamples(body)
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
		sc.place(done, page.GranulePos)
	}
	if !haveHead {
		return nil, fmt.Errorf("%w: no valid page", ErrNotOggOpus)
	}
	return sc, nil
}

// place gives the packets completed on a page their positions: the page's
// granule position is the end of the last of them (RFC 7845 section 4). A
// page without one (-1) continues from the previous packet.
func (sc *Scan) place(done []Packet, granule uint64) {
	if len(done) == 0 {
		return
	}
	var total int64
	for _, p := range done {
		total += int64(p.Samples)
	}
	var pos int64
	switch {
	case granule != ^uint64(0) && int64(granule) >= total:
		pos = int64(granule) - total
	case len(sc.Packets) > 0:
		last := sc.Packets[len(sc.Packets)-1]
		pos = last.Pos + int64(last.Samples)
	}
	for _, p := range done {
		p.Pos = pos
		pos += int64(p.Samples)
		sc.Packets = append(sc.Packets, p)
	}
}
