package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/voice"
)

// turnGap is the pause between two sayings of a room's clip within one
// turn.
const turnGap = 600 * time.Millisecond

// startLead is how far ahead of Start the script's time zero is, so that
// every room's goroutine is up before the first deadline.
const startLead = 50 * time.Millisecond

// Config says where and how to play a script.
type Config struct {
	// URL of the server's websocket, ws:// or wss://.
	URL string
	// Loopback allows ICE over loopback: a server on this machine.
	Loopback bool
	// DialOptions for the websockets (TLS, Origin).
	DialOptions []signaling.DialOption
	Logger      *slog.Logger
	// OnStep, when set, is told every step as a room plays it (a join, a
	// turn, a drop...). It is called from the rooms' goroutines, one at a
	// time, and should return quickly.
	OnStep func(Step)
	// OnBurst, when set, is told every tone burst a probing room (see
	// Room.Probe) sends, when its first packet goes out; as OnStep.
	OnBurst func(Burst)
	// Join, when set, joins a room some other way than samvad's own
	// signalling and relay at URL: a meeting whose media runs on LiveKit.
	// listen, when not nil, wants every track the room hears.
	Join func(ctx context.Context, room Room, listen func(*webrtc.TrackRemote)) (Conn, error)
	// LeaveSpread, when set, has the rooms leave one after another over
	// this long after their plans end, in the script's order, instead of
	// in the same instant at the script's end. livekit-server v1.13.5
	// loses a leave now and then when several arrive in the same
	// millisecond (its write of one room's departure to another that is
	// closing fails, and that room's own leave is never handled): the
	// room is then dropped only when LiveKit times it out, long after the
	// meeting.
	LeaveSpread time.Duration
}

// Conn is one room's connection to the meeting, whichever engine carries
// it: a *participant.Participant, or a *livekit.Room.
type Conn interface {
	Mic() *participant.Mic
	// Done is closed when the connection has ended; Err says why.
	Done() <-chan struct{}
	Err() error
	// Leave says goodbye; Close drops the connection (where the engine
	// can: LiveKit's SDK always says goodbye).
	Leave() error
	Close() error
}

// RoomStats is what one room did.
type RoomStats struct {
	Room string
	// Joins counts successful joins, the first and every rejoin.
	Joins int
	// Drops counts connections the script dropped; Failures, joins that
	// failed and connections that ended by themselves.
	Drops, Failures int
	// Sent counts packets handed to the microphone (before the first
	// answer is negotiated the microphone drops them, as a browser's does);
	// Lost, packets the script lost on purpose; Held, packets jitter held
	// back before sending them.
	Sent, Lost, Held int64
	// Late counts ticks that went out more than 40 ms after their deadline:
	// the simulator itself could not keep up.
	Late int64
	// Reordered counts packets the path made arrive after the next one.
	Reordered int64
	// SendErrors counts packets the microphone refused.
	SendErrors int64
	// Received counts packets of other rooms a listening room got.
	Received int64
	// Listen says the room heard the meeting.
	Listen bool
	// JoinStarted is when the room began its first join; Joined, when
	// the server welcomed it (zero if it never joined).
	JoinStarted, Joined time.Time
	// Err is why the room gave up, if it did.
	Err error
}

type roomCounters struct {
	joins, drops, failures             atomic.Int64
	sent, lost, held, late, sendErrors atomic.Int64
	reordered                          atomic.Int64
	received                           atomic.Int64
	joinStarted, joined                atomic.Int64 // unix ns of the first join
}

// Runner plays a Script: one goroutine per room that joins.
type Runner struct {
	script Script
	cfg    Config
	log    *slog.Logger
	start  time.Time

	rooms []*roomRun
	wg    sync.WaitGroup
	stop  context.CancelFunc
	done  chan struct{}

	stepMu sync.Mutex
}

// Start checks the script and starts playing it against cfg.URL. The
// script's time zero is now. The rooms run until the script ends, ctx is
// done or Stop; Wait waits for them.
func Start(ctx context.Context, s Script, cfg Config) (*Runner, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("simulate: script: %w", err)
	}
	if cfg.URL == "" && cfg.Join == nil {
		return nil, errors.New("simulate: no server URL")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := Prepare(s); err != nil {
		return nil, err
	}
	tone, _ := roomTone()
	ctx, stop := context.WithCancel(ctx)
	r := &Runner{script: s, cfg: cfg, log: log.With("component", "simulate"), stop: stop, done: make(chan struct{})}
	silent := voice.Silence(voice.FrameDuration)
	playing := 0
	for _, room := range s.Rooms {
		if !room.Absent {
			playing++
		}
	}
	k := 0
	for _, room := range s.Rooms {
		rr := &roomRun{
			r: r, room: room, plan: room.plan(s.Duration), stats: &roomCounters{},
			imp: newImpairment(room), tone: tone, silent: silent,
		}
		if !room.Absent {
			rr.leaveAfter = time.Duration(k) * cfg.LeaveSpread / time.Duration(playing)
			k++
		}
		if !room.Absent && !room.Silent {
			rr.speech = speech(room.ID)
		}
		if room.Probe != nil {
			rr.probeTone = ProbeTone(room.Probe.Freq)
		}
		r.rooms = append(r.rooms, rr)
	}
	r.start = time.Now().Add(startLead)
	for _, rr := range r.rooms {
		if rr.room.Absent {
			continue
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			rr.run(ctx, r.start)
		}()
	}
	go func() {
		r.wg.Wait()
		stop()
		close(r.done)
	}()
	return r, nil
}

// Run plays the script to its end (or until ctx is done) and reports.
func Run(ctx context.Context, s Script, cfg Config) ([]RoomStats, error) {
	r, err := Start(ctx, s, cfg)
	if err != nil {
		return nil, err
	}
	return r.Wait()
}

// StartedAt is the wall-clock instant of the script's time zero.
func (r *Runner) StartedAt() time.Time { return r.start }

// Done is closed when every room has left.
func (r *Runner) Done() <-chan struct{} { return r.done }

// Stop makes every room leave now; Wait still waits for them.
func (r *Runner) Stop() { r.stop() }

// Wait waits until every room has left and reports what each did; the
// error joins those of rooms that gave up (a refused token, say).
func (r *Runner) Wait() ([]RoomStats, error) {
	<-r.done
	stats := r.Stats()
	var errs []error
	for _, s := range stats {
		if s.Err != nil {
			errs = append(errs, s.Err)
		}
	}
	return stats, errors.Join(errs...)
}

// Stats is what every room has done so far, absent ones included, in the
// script's order. It is safe to call while the rooms play; a room's Err is
// only reported once Done.
func (r *Runner) Stats() []RoomStats {
	finished := false
	select {
	case <-r.done:
		finished = true
	default:
	}
	out := make([]RoomStats, len(r.rooms))
	for i, rr := range r.rooms {
		c := rr.stats
		out[i] = RoomStats{
			Room: rr.room.ID, Joins: int(c.joins.Load()), Drops: int(c.drops.Load()), Failures: int(c.failures.Load()),
			Sent: c.sent.Load(), Lost: c.lost.Load(), Held: c.held.Load(), Late: c.late.Load(), SendErrors: c.sendErrors.Load(), Reordered: c.reordered.Load(),
			Received: c.received.Load(), Listen: rr.room.Listen,
			JoinStarted: unixTime(c.joinStarted.Load()), Joined: unixTime(c.joined.Load()),
		}
		if finished {
			out[i].Err = rr.fatal
		}
	}
	return out
}

// step reports a step played, one at a time.
func (r *Runner) step(s Step) {
	r.log.Debug("step", "at", s.At, "room", s.Room, "what", s.What)
	if r.cfg.OnStep == nil {
		return
	}
	r.stepMu.Lock()
	defer r.stepMu.Unlock()
	r.cfg.OnStep(s)
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
