package bot

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/recorder"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/relay"
)

// tickEvery is how often a track's loop lets time pass in its segment when
// no packet comes: it bounds how stale the held packets and the flush get.
const tickEvery = 50 * time.Millisecond

type senderReport struct {
	ntp     uint64
	rtp     uint32
	arrival time.Time
}

// recordTrack records one forwarded track, one connection of one room, into
// a segment of its own. It runs on a goroutine the participant owns and
// returns when the track ends.
func (b *Bot) recordTrack(room string, track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	select {
	case <-b.ready:
	case <-time.After(10 * time.Second):
		return
	}
	log := b.log.With("room", room, "track", track.ID())
	if !recording.ValidRoomID(room) {
		log.Warn("track with a room id unsafe as a file name: not recorded")
		return
	}
	session := strings.TrimPrefix(track.ID(), "mic-")

	var levelID uint8
	for _, e := range recv.GetParameters().HeaderExtensions {
		if e.URI == relay.AudioLevelURI {
			levelID = uint8(e.ID)
		}
	}
	var sr atomic.Pointer[senderReport]
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			pkts, _, err := recv.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if s, ok := p.(*rtcp.SenderReport); ok {
					sr.Store(&senderReport{ntp: s.NTPTime, rtp: s.RTPTime, arrival: time.Now()})
				}
			}
		}
	}()
	defer wg.Wait()

	var (
		meter       levelMeter
		mixIn       *mixer.Input
		seg         *recorder.Segment
		pkt         rtp.Packet
		buf         = make([]byte, 1500)
		lastTick    = time.Now()
		written     time.Duration
		failed      bool
		segmentPath string
	)
	fail := func(err error, now time.Time) {
		if failed {
			return
		}
		failed = true
		b.stats.writeError()
		b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: room, Segment: segmentPath,
			Reason: err.Error(), Text: "cannot write " + segmentPath + ": " + err.Error()})
	}
	track.SetReadDeadline(lastTick.Add(tickEvery))
	for {
		n, _, err := track.Read(buf)
		now := time.Now()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if seg != nil && !failed {
					if err := seg.Tick(now); err != nil {
						fail(err, now)
					}
					written = b.stats.addWritten(seg.Written(), written)
				}
				lastTick = now
				track.SetReadDeadline(now.Add(tickEvery))
				continue
			}
			break
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		if seg == nil {
			seg, segmentPath, mixIn = b.openSegment(room, session, now, log)
			if seg == nil {
				failed = true
			}
		}
		level := -1
		if levelID != 0 {
			if ext := pkt.GetExtension(levelID); len(ext) > 0 {
				level = int(ext[0] & 0x7f)
			}
		}
		if level < 0 {
			level = meter.level(pkt.Payload)
		}
		b.roll.packet(room, session, level, now)
		if mixIn != nil {
			mixIn.Level(now, level)
		}
		if seg == nil || failed {
			continue
		}
		if s := sr.Swap(nil); s != nil {
			seg.SenderReport(s.ntp, s.rtp, s.arrival)
		}
		if err := seg.Push(&pkt, now); err != nil {
			fail(err, now)
			continue
		}
		if now.Sub(lastTick) >= tickEvery {
			if err := seg.Tick(now); err != nil {
				fail(err, now)
			}
			written = b.stats.addWritten(seg.Written(), written)
			lastTick = now
			track.SetReadDeadline(now.Add(tickEvery))
		}
	}
	if seg == nil {
		return
	}
	now := time.Now()
	if err := seg.Close(now); err != nil {
		fail(err, now)
	}
	if mixIn != nil {
		mixIn.Close()
	}
	b.stats.addWritten(seg.Written(), written)
	stats, _ := json.Marshal(seg.Stats())
	b.emit(recording.Event{At: now, Event: recording.EventSegmentClosed, Room: room, Session: session,
		Segment: segmentPath, Stats: stats})
}

// openSegment starts the segment of a connection whose first packet has
// just arrived: its arrival is the segment's start.
// The segment feeds the live mix, if there is one, through its frames.
func (b *Bot) openSegment(room, session string, now time.Time, log interface {
	Error(string, ...any)
}) (*recorder.Segment, string, *mixer.Input) {
	b.mu.Lock()
	name, err := b.folder.NextSegment(room)
	root := b.folder.Root
	b.mu.Unlock()
	if err != nil {
		log.Error("segment", "err", err)
		return nil, "", nil
	}
	var in *mixer.Input
	cfg := recorder.Config{}
	if b.mix != nil {
		// in is set below, before the first Push, which is the first
		// call that can write a frame.
		cfg.OnFrame = func(f recorder.Frame) {
			if in != nil {
				in.Frame(f)
			}
		}
	}
	seg, err := recorder.CreateSegment(root, name, cfg)
	if err != nil {
		b.stats.writeError()
		b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: room, Segment: name,
			Reason: err.Error(), Text: "cannot create " + name + ": " + err.Error()})
		return nil, "", nil
	}
	in = b.mix.open(now)
	b.stats.segmentOpened()
	b.emit(recording.Event{At: now, Event: recording.EventSegmentOpened, Room: room, Session: session, Segment: name})
	return seg, name, in
}
