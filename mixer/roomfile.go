package mixer

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/thesyncim/gopus/container/ogg"

	"github.com/samvad/samvad/oggopus"
)

// spanLead widens a Sounding span backwards: speaking turns are placed by
// packet arrival, the file by RTP time, and the two differ by the jitter.
const spanLead = 200 * time.Millisecond

// maxFilePacket holds any packet a stitched file can carry: six 20 ms
// frames of at most 1275 bytes, with framing.
const maxFilePacket = 8 << 10

// errShortRoom means a room's file ends before the recording does: it was
// cut short (a crash while stitching, a copy cut off).
var errShortRoom = errors.New("file ends before the recording")

// roomFile reads one stitched room file packet by packet, on the
// recording's timeline, decoding into its track what sounds.
type roomFile struct {
	res     *RoomResult
	f       *os.File
	r       *ogg.Reader
	t       *track
	preSkip int64
	pos     int64 // timeline position of the next packet
	total   int64 // the recording's length: where the file should end
	spans   [][2]int64
	all     bool // no spans given: every packet may sound
	done    bool
	pkt     [maxFilePacket]byte
}

// openRoomFile opens room's file. A file that cannot be opened or has no
// OpusHead is not an error: the room is silent and res says why.
func openRoomFile(root *os.Root, room Room, res *RoomResult, hangover time.Duration) (*roomFile, error) {
	t, err := newTrack()
	if err != nil {
		return nil, err
	}
	rf := &roomFile{res: res, t: t, all: room.Sounding == nil, spans: spanSamples(room.Sounding, hangover)}
	f, err := root.Open(room.Path)
	if err != nil {
		rf.stop(err)
		return rf, nil
	}
	rf.f = f
	r, err := ogg.NewReader(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		rf.stop(fmt.Errorf("ogg headers: %w", err))
		return rf, nil
	}
	rf.r, rf.preSkip = r, int64(r.PreSkip())
	rf.pos = -rf.preSkip
	return rf, nil
}

// spanSamples turns spans into sorted, merged sample ranges, widened by
// spanLead before and hangover after.
func spanSamples(spans []Span, hangover time.Duration) [][2]int64 {
	var out [][2]int64
	for _, s := range spans {
		if s.To >= s.From {
			out = append(out, [2]int64{oggopus.SamplesRounded(s.From - spanLead), oggopus.SamplesRounded(s.To + hangover)})
		}
	}
	slices.SortFunc(out, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// advance reads packets until the file reaches timeline position upTo,
// adding what they sound to the ring; nothing before from (the frame being
// mixed) is kept.
func (rf *roomFile) advance(upTo, from int64, st *Stats) {
	for !rf.done && rf.pos < upTo {
		n, _, err := rf.r.ReadPacketInto(rf.pkt[:])
		if err != nil {
			switch {
			case !errors.Is(err, io.EOF):
				rf.stop(err)
			case rf.pos < rf.total-120: // stitch.Room ends files within 60 samples
				rf.stop(fmt.Errorf("%w at %v", errShortRoom, oggopus.Duration(max(0, rf.pos))))
			}
			rf.done = true
			return
		}
		p := rf.pkt[:n]
		samples, err := oggopus.PacketSamples(p)
		if err != nil {
			rf.res.InvalidPackets++
			continue
		}
		rf.res.Packets++
		pos := rf.pos
		rf.pos += int64(samples)
		pcm := rf.t.decode(p, samples, rf.sounding(pos, rf.pos), st)
		if skip := min(from-pos, int64(len(pcm))); skip > 0 {
			pcm, pos = pcm[skip:], from // the pre-skip, or before the mix's start
		}
		if len(pcm) > 0 {
			rf.t.ring.add(pos, pcm)
		}
	}
}

// sounding reports whether [from, to) overlaps a span. Packets come in
// order, so spans already passed are dropped.
func (rf *roomFile) sounding(from, to int64) bool {
	if rf.all {
		return true
	}
	for len(rf.spans) > 0 && rf.spans[0][1] <= from {
		rf.spans = rf.spans[1:]
	}
	return len(rf.spans) > 0 && rf.spans[0][0] < to
}

func (rf *roomFile) stop(err error) {
	rf.done = true
	if rf.res.Err == nil {
		rf.res.Err, rf.res.Error = err, err.Error()
	}
}

func (rf *roomFile) close() {
	if rf.f != nil {
		rf.f.Close()
	}
}
