package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/samvad/samvad/activity"
	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/oggopus"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rtpdirect"
)

// tickEvery is how often a track's loop lets time pass in its segment when
// no packet comes: it bounds how stale the held packets and the flush get.
const tickEvery = 50 * time.Millisecond

// readIdle is how long a track's read waits for a packet after a tick that
// a packet made. While packets flow (every 20 ms) they tick the segment
// every 60 ms or so, before this read deadline: a deadline of tickEvery
// would fire once between every two such ticks, and each firing costs a
// timer goroutine, a wake-up and a read that returns nothing. When packets
// stop, the first tick comes within readIdle, then every tickEvery.
const readIdle = 2 * tickEvery

// recordTrack records one forwarded track, one connection of one room, into
// a segment of its own. It runs on a goroutine the participant owns and
// returns when the track ends.
func (b *Bot) recordTrack(tr Track) {
	select {
	case <-b.ready:
	case <-time.After(10 * time.Second):
		return
	}
	room, track := tr.Room, tr.Remote
	log := b.log.With("room", room, "track", track.ID())
	if !recording.ValidRoomID(room) {
		log.Warn("track with a room id unsafe as a file name: not recorded")
		return
	}
	t := b.newTrackRecorder(room, tr.Session, tr.LevelExtension, log)
	var wg sync.WaitGroup
	if recv := tr.Receiver; recv != nil {
		wg.Add(1)
		go func() {
			// RTCP must be read for pion's interceptors to see it (the
			// sender reports its receiver reports answer); nothing else
			// of it is used.
			defer wg.Done()
			buf := make([]byte, 1500)
			for {
				if _, _, err := recv.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	defer wg.Wait()

	if tr.Direct != nil && b.recordDirect(tr, t) {
		return
	}
	buf := make([]byte, 1500)
	track.SetReadDeadline(t.lastTick.Add(readIdle))
	for {
		n, _, err := track.Read(buf)
		now := time.Now()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !closed(tr.Done) {
				t.tick(now)
				track.SetReadDeadline(now.Add(tickEvery))
				continue
			}
			break
		}
		if t.packet(buf[:n], now) {
			if closed(tr.Done) {
				break
			}
			track.SetReadDeadline(now.Add(readIdle))
		}
	}
	t.close(time.Now())
}

// recordDirect records a track whose packets the bot takes off the
// sockets itself (package rtpdirect): they come in batches on the direct
// path's drain goroutine, which also lets time pass in the segment. The
// track's own reads still get what came up pion's path (the packets before
// the claim, and any that did not decrypt on the direct path) and tell when
// the track ends. It reports false, having recorded nothing, when the
// direct path cannot take the track.
func (b *Bot) recordDirect(tr Track, t *trackRecorder) bool {
	var mu sync.Mutex // t is the drain's and the track's reader's in turn
	release, err := tr.Direct.Claim(uint32(tr.Remote.SSRC()), func(pkts []rtpdirect.Packet, now time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pkts {
			t.packet(p.Data, p.At)
		}
		if now.Sub(t.lastTick) >= tickEvery {
			t.tick(now)
		}
	})
	if err != nil {
		t.log.Debug("track read through pion's pipeline", "err", err)
		return false
	}
	buf := make([]byte, 1500)
	for {
		n, _, err := tr.Remote.Read(buf)
		now := time.Now()
		if err != nil {
			break
		}
		mu.Lock()
		t.packet(buf[:n], now)
		mu.Unlock()
	}
	release()
	t.close(time.Now())
	return true
}

// closed reports whether done (which may be nil: never) is closed.
func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// trackRecorder is what one recorded track keeps between packets. Its
// methods run on the track's goroutine, but for senderReport.
type trackRecorder struct {
	b             *Bot
	room, session string
	levelID       uint8 // RFC 6464 extension id; 0: not negotiated
	log           *slog.Logger
	m             *metrics.BotRoom

	meter       levelMeter
	mixIn       *mixer.Input
	seg         *capture.Segment
	pkt         rtp.Packet
	lastTick    time.Time
	written     time.Duration
	failed      bool  // no segment: nothing of this track is recorded
	writeErr    error // the segment's file refuses writes; its audio is held
	dropSaid    bool  // the hold overflowed and that was logged
	segmentPath string
}

func (b *Bot) newTrackRecorder(room, session string, levelID uint8, log *slog.Logger) *trackRecorder {
	return &trackRecorder{b: b, room: room, session: session, levelID: levelID, log: log,
		m: b.cfg.Metrics.Room(room), lastTick: time.Now()}
}

// packet records one RTP packet, as read from the track, that arrived at
// now: the whole per-packet work of the bot's receive → recorder path (RTP
// parsing, audio level, roll call, live mix, segment). It reports whether
// it ticked the segment, so that the caller moves its read deadline. Once
// the segment is open it allocates nothing.
func (t *trackRecorder) packet(raw []byte, now time.Time) (ticked bool) {
	pkt := &t.pkt
	if pkt.Unmarshal(raw) != nil {
		return false
	}
	t.m.Packet(len(pkt.Payload))
	if t.seg == nil && !t.failed {
		t.openSegment(now)
	}
	level := -1
	if t.levelID != 0 {
		if ext := pkt.GetExtension(t.levelID); len(ext) > 0 {
			level = int(ext[0] & 0x7f)
		}
	}
	switch {
	case len(pkt.Payload) == 0:
		// Padding (LiveKit pads a muted room's stream): no sound.
		level = activity.SilentLevel
	case level < 0:
		level = t.meter.level(pkt.Payload)
	}
	t.b.roll.Packet(t.room, t.session, level, now)
	if t.mixIn != nil {
		t.mixIn.Level(now, level)
	}
	if t.seg == nil || t.failed {
		return false
	}
	if err := t.seg.Push(pkt, now); err != nil {
		t.fail(err, now)
		return false
	}
	if now.Sub(t.lastTick) < tickEvery {
		return false
	}
	t.tick(now)
	return true
}

// tick lets time pass in the segment (also when no packet comes), and
// brings the counters up to date.
func (t *trackRecorder) tick(now time.Time) {
	t.lastTick = now
	if t.seg == nil || t.failed {
		return
	}
	if err := t.seg.Tick(now); err != nil {
		t.fail(err, now)
	}
	t.checkWrites(now)
	t.counted()
}

// checkWrites reports a segment file that stops or starts taking writes
// again: on a full disk the recorder holds the audio in memory (up to
// capture.DefaultMaxHeld) and writes it out when space returns.
func (t *trackRecorder) checkWrites(now time.Time) {
	err := t.seg.WriteErr()
	switch {
	case err != nil && t.writeErr == nil:
		t.b.stats.writeError()
		t.b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: t.room, Segment: t.segmentPath,
			Reason: err.Error(), Text: "cannot write " + t.segmentPath + ": " + err.Error() + "; holding its audio in memory"})
	case err == nil && t.writeErr != nil:
		st := t.seg.Stats()
		t.b.emit(recording.Event{At: now, Event: recording.EventWriteRecovered, Room: t.room, Segment: t.segmentPath,
			Text: fmt.Sprintf("%s written again after %d failed attempts", t.segmentPath, st.WriteErrors)})
	}
	t.writeErr = err
	if st := t.seg.Stats(); st.DroppedMs > 0 && !t.dropSaid {
		t.dropSaid = true
		t.b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: t.room, Segment: t.segmentPath,
			Reason: "audio_dropped", Text: fmt.Sprintf("the disk has refused %s so long that audio is being lost (%d ms so far)", t.segmentPath, st.DroppedMs)})
	}
}

// counted brings the bot's totals up to the segment's.
func (t *trackRecorder) counted() {
	t.written = t.b.stats.addWritten(t.seg.Written(), t.written)
	st := t.seg.Stats()
	t.m.Dropped(metrics.Drops{Late: st.LateDropped, Invalid: st.InvalidDropped,
		Duplicate: st.DuplicatesDropped, Padding: st.PaddingDropped, Drift: st.DriftDropped, Filler: st.FillerDropped})
}

func (t *trackRecorder) fail(err error, now time.Time) {
	if t.failed {
		return
	}
	t.failed = true
	t.b.stats.writeError()
	t.b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: t.room, Segment: t.segmentPath,
		Reason: err.Error(), Text: "cannot write " + t.segmentPath + ": " + err.Error()})
}

// close ends the segment when the track ends.
func (t *trackRecorder) close(now time.Time) {
	defer t.m.End()
	if t.seg == nil {
		return
	}
	if err := t.seg.Close(now); err != nil {
		t.b.stats.writeError()
		t.b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: t.room, Segment: t.segmentPath,
			Reason: err.Error(), Text: "cannot finish " + t.segmentPath + ": " + err.Error()})
	}
	if t.mixIn != nil {
		t.mixIn.Close()
	}
	t.counted()
	stats, _ := json.Marshal(t.seg.Stats())
	t.b.emit(recording.Event{At: now, Event: recording.EventSegmentClosed, Room: t.room, Session: t.session,
		Segment: t.segmentPath, Stats: stats})
}

// openSegment starts the segment of a connection whose first packet has
// just arrived at now. The track recorder is the segment's sink: it learns
// the segment's start when the segment settles (writing segment_opened, the
// start the minutes place the segment by) and passes every frame on to the
// live mix.
func (t *trackRecorder) openSegment(now time.Time) {
	b := t.b
	b.mu.Lock()
	name, err := b.folder.NextSegment(t.room)
	root := b.folder.Root
	b.mu.Unlock()
	if err != nil {
		t.failed = true
		t.log.Error("segment", "err", err)
		return
	}
	t.mixIn = b.mix.follow(now)
	seg, err := capture.CreateSegment(root, name, capture.Config{Sink: t})
	if err != nil {
		t.failed = true
		if t.mixIn != nil {
			t.mixIn.Close()
		}
		b.stats.writeError()
		b.emit(recording.Event{At: now, Event: recording.EventWriteError, Room: t.room, Segment: name,
			Reason: err.Error(), Text: "cannot create " + name + ": " + err.Error()})
		return
	}
	t.seg, t.segmentPath = seg, name
	b.stats.segmentOpened()
	t.m.SegmentOpened()
}

// SegmentStarted is the segment telling its start (capture.FrameSink).
func (t *trackRecorder) SegmentStarted(start time.Time) {
	if t.mixIn != nil {
		t.mixIn.SegmentStarted(start)
	}
	t.b.emit(recording.Event{At: start, Event: recording.EventSegmentOpened, Room: t.room, Session: t.session, Segment: t.segmentPath})
}

// SegmentMoved is the segment telling that its first packets came late and
// its start is earlier than segment_opened said (capture.FrameSink). The
// report places the segment by the earliest start logged for it.
func (t *trackRecorder) SegmentMoved(start time.Time) {
	if t.mixIn != nil {
		t.mixIn.SegmentMoved(start)
	}
	t.b.emit(recording.Event{At: start, Event: recording.EventSegmentMoved, Room: t.room, Session: t.session, Segment: t.segmentPath})
}

// Frame is a frame the segment wrote (capture.FrameSink).
func (t *trackRecorder) Frame(f oggopus.Frame) {
	switch f.Kind {
	case oggopus.FrameAudio:
		t.m.Written(len(f.Packet))
	case oggopus.FramePLC:
		t.m.Concealed()
	case oggopus.FrameSilence:
		t.m.Silence()
	}
	if t.mixIn != nil {
		t.mixIn.Frame(f)
	}
}
