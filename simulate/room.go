package simulate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/voice"
)

// retryAfter is how long a room whose connection failed waits before it
// joins again, as the join page does.
const retryAfter = 2 * time.Second

// joinTimeout bounds one join: dial, welcome.
const joinTimeout = 10 * time.Second

// lateBy is how far behind its deadline a packet must go out to count as
// late: the simulator itself is too slow.
const lateBy = 40 * time.Millisecond

// roomRun is one room being played: its goroutine's state.
type roomRun struct {
	r     *Runner
	room  Room
	plan  plan
	stats *roomCounters
	imp   *impairment

	speech, tone, silent voice.Utterance

	// leaveAfter: how long after its plan's end the room leaves
	// (Config.LeaveSpread).
	leaveAfter time.Duration

	p        Conn
	player   *voice.Player
	speaking int // turns under way (host interjections may overlap)
	paused   int
	retryAt  int // tick of the next join after a failure; 0: none
	fatal    error

	// connectedAt is when the room's present connection was welcomed.
	connectedAt time.Time
	// A probe's burst, its tone and the one being captured.
	probeTone voice.Utterance
	bursts    int
	burst     Burst
}

// run plays the room's plan from t0 until its end or ctx, and leaves.
func (rr *roomRun) run(ctx context.Context, t0 time.Time) {
	defer func() {
		if rr.p != nil {
			rr.p.Leave()
			rr.p = nil
		}
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	next := 0 // index of the next action
	for tick := 0; tick <= rr.plan.end; tick++ {
		// Not sending: sleep straight to the next thing to do.
		if !rr.sending() {
			wake := rr.plan.end
			if next < len(rr.plan.actions) {
				wake = rr.plan.actions[next].tick
			}
			if rr.retryAt > 0 && rr.retryAt < wake {
				wake = rr.retryAt
			}
			tick = max(tick, wake)
		}
		deadline := t0.Add(time.Duration(tick) * voice.FrameDuration)
		if !rr.waitUntil(ctx, timer, deadline) {
			return
		}
		wasAway := rr.p == nil
		for next < len(rr.plan.actions) && rr.plan.actions[next].tick <= tick {
			rr.apply(ctx, rr.plan.actions[next], tick)
			next++
		}
		if rr.fatal != nil {
			return
		}
		rr.checkAlive(tick)
		if rr.p == nil && rr.retryAt > 0 && tick >= rr.retryAt {
			rr.retryAt = 0
			rr.join(ctx, tick, "joins again after its connection failed")
		}
		if wasAway && rr.p != nil {
			// A join takes a while; the new microphone has sent nothing
			// yet, so pick up at the present instead of bursting the
			// frames that went by meanwhile.
			if now := int(time.Since(t0) / voice.FrameDuration); now > tick {
				tick = now - 1
				continue
			}
		}
		if rr.sending() {
			rr.send(tick)
		}
	}
}

// waitUntil waits for deadline, delivering meanwhile the packets in
// flight that arrive before it; false if ctx ended first.
func (rr *roomRun) waitUntil(ctx context.Context, timer *time.Timer, deadline time.Time) bool {
	for {
		wake := deadline
		if due, ok := rr.imp.next(); ok && due.Before(wake) {
			wake = due
		}
		d := time.Until(wake)
		if d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return false
			}
		} else if ctx.Err() != nil {
			return false
		}
		rr.arrive(false)
		if wake.Equal(deadline) {
			if -d > lateBy {
				rr.stats.late.Add(1)
			}
			return true
		}
	}
}

// arrive sends the packets in flight whose delay is over (all, with force).
func (rr *roomRun) arrive(force bool) {
	rr.imp.arrive(time.Now(), force, func(d delayed) {
		if rr.p == nil {
			return
		}
		if err := rr.p.Mic().SendStamped(d.seq, d.ts, d.pkt.Opus, d.pkt.Level); err != nil {
			rr.stats.sendErrors.Add(1)
			return
		}
		rr.stats.sent.Add(1)
		if d.reorder {
			rr.stats.reordered.Add(1)
		}
	})
}

// sending reports whether the microphone is live this tick.
func (rr *roomRun) sending() bool { return rr.p != nil && rr.paused == 0 }

func (rr *roomRun) apply(ctx context.Context, a action, tick int) {
	switch a.kind {
	case actJoin, actRejoin:
		if rr.p == nil {
			rr.retryAt = 0
			rr.join(ctx, tick, a.text(&rr.plan))
		}
		return
	case actDrop:
		if rr.p != nil {
			rr.flush(tick, true)
			rr.p.Close() // no goodbye: the meeting sees the room dropped
			rr.p = nil
			rr.stats.drops.Add(1)
		}
	case actLeave:
		if rr.p != nil {
			rr.flush(tick, true)
			if rr.leaveAfter > 0 {
				t := time.NewTimer(rr.leaveAfter)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
			}
			rr.p.Leave()
			rr.p = nil
		}
		rr.retryAt = 0
	case actPauseOn:
		rr.flush(tick, true)
		rr.paused++
	case actPauseOff:
		rr.paused--
	case actSpeakOn:
		if rr.speaking == 0 {
			rr.player = voice.NewPlayer(rr.speech, turnGap)
		}
		rr.speaking++
	case actSpeakOff:
		if rr.speaking--; rr.speaking == 0 {
			rr.player = nil
		}
	}
	rr.r.step(Step{At: time.Duration(tick) * voice.FrameDuration, Room: rr.room.ID, What: a.text(&rr.plan)})
}

// join connects the room; on failure it either gives up (the server
// refused it for good) or tries again after retryAfter.
func (rr *roomRun) join(ctx context.Context, tick int, what string) {
	at := time.Duration(tick) * voice.FrameDuration
	jctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	rr.stats.joinStarted.CompareAndSwap(0, time.Now().UnixNano())
	p, err := rr.connect(jctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		var je *signaling.JoinError
		if errors.As(err, &je) && (je.Code == signaling.CodeBadToken || je.Code == signaling.CodeUnknownRoom || je.Code == signaling.CodeUnknownMeeting) {
			rr.fatal = fmt.Errorf("room %s: %w", rr.room.ID, err)
			rr.r.step(Step{At: at, Room: rr.room.ID, What: "refused by the server, gives up: " + err.Error()})
			return
		}
		rr.stats.failures.Add(1)
		rr.retryAt = tick + tickOf(retryAfter)
		rr.r.step(Step{At: at, Room: rr.room.ID, What: fmt.Sprintf("cannot join (%v); tries again in %s", err, retryAfter)})
		return
	}
	rr.p = p
	rr.connectedAt = time.Now()
	rr.stats.joined.CompareAndSwap(0, time.Now().UnixNano())
	rr.stats.joins.Add(1)
	rr.r.step(Step{At: at, Room: rr.room.ID, What: what})
}

// connect joins the room: through samvad's signalling, or as Config.Join
// says.
func (rr *roomRun) connect(ctx context.Context) (Conn, error) {
	receive := rr.room.Listen
	if join := rr.r.cfg.Join; join != nil {
		var listen func(*webrtc.TrackRemote)
		if receive {
			listen = rr.listen
		}
		return join(ctx, rr.room, listen)
	}
	var h participant.Handlers
	if receive {
		h.OnTrack = func(_ string, t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { rr.listen(t) }
	}
	p, err := participant.Join(ctx, participant.Config{
		URL:         rr.r.cfg.URL,
		Join:        signaling.Message{Meeting: rr.r.script.Meeting, Role: signaling.RoleRoom, Room: rr.room.ID, Token: rr.room.Token, Receive: &receive},
		Mic:         true,
		Loopback:    rr.r.cfg.Loopback,
		DialOptions: rr.r.cfg.DialOptions,
		Logger:      rr.r.log.With("room", rr.room.ID),
	}, h)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// checkAlive notices a connection that ended by itself (server gone,
// replaced, media failed) and plans a new join, as the join page would.
func (rr *roomRun) checkAlive(tick int) {
	if rr.p == nil {
		return
	}
	select {
	case <-rr.p.Done():
	default:
		return
	}
	err := rr.p.Err()
	rr.p.Close()
	rr.p = nil
	rr.imp.release(tick, true) // those packets died with the connection
	rr.imp.drop()
	rr.stats.failures.Add(1)
	rr.retryAt = tick + tickOf(retryAfter)
	rr.r.step(Step{At: time.Duration(tick) * voice.FrameDuration, Room: rr.room.ID,
		What: fmt.Sprintf("lost its connection (%v); joins again in %s", err, retryAfter)})
}

// send puts this tick's packet on the wire, or holds it back.
func (rr *roomRun) send(tick int) {
	rr.flush(tick, false)
	f := frame{}
	switch {
	case rr.room.Silent:
		f.pkt = rr.silent.Packet(0)
	case rr.room.Probe != nil:
		f = rr.probeFrame(tick)
	case rr.player != nil:
		f.pkt = rr.player.Next()
	default:
		f.pkt = rr.tone.Packet(tick % rr.tone.Len())
	}
	if rr.imp.hold(tick, f) {
		rr.stats.held.Add(1)
		return
	}
	rr.transmit(f)
}

// flush sends the packets jitter held back, once due (or now, with force),
// and with force those still on the way too.
func (rr *roomRun) flush(tick int, force bool) {
	for _, f := range rr.imp.release(tick, force) {
		if rr.p != nil {
			rr.transmit(f)
		}
	}
	if force {
		rr.arrive(true)
	}
}

func (rr *roomRun) transmit(f frame) {
	mic := rr.p.Mic()
	lost := rr.imp.lost()
	if f.burst {
		rr.captured(lost)
	}
	if lost {
		mic.Skip(voice.FrameSamples)
		rr.stats.lost.Add(1)
		return
	}
	if rr.imp.delays() {
		seq, ts := mic.Stamp(voice.FrameSamples)
		rr.imp.send(time.Now(), seq, ts, f.pkt)
		rr.arrive(false) // one with no delay drawn goes now
		return
	}
	if err := mic.Send(f.pkt.Opus, voice.FrameSamples, f.pkt.Level); err != nil {
		rr.stats.sendErrors.Add(1)
		return
	}
	rr.stats.sent.Add(1)
}

// listen reads a track the meeting forwards to a listening room, as a
// browser would play it, and counts its packets.
func (rr *roomRun) listen(track *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := track.Read(buf); err != nil {
			return
		}
		rr.stats.received.Add(1)
	}
}
