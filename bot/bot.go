// Package bot is the meeting's recorder: it joins a samvad meeting with the
// recorder token like any other client, keeps the live roll call of every
// configured room, writes each room connection's audio to its own segment,
// logs every change to events.jsonl, and comes back by itself when the
// server or the network goes away.
package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rollcall"
	"github.com/samvad/samvad/signaling"
)

// Config says which meeting to record and where.
type Config struct {
	// Source is where the meeting comes from. When nil, the bot joins the
	// samvad server at URL (a SamvadSource made of URL, Meeting, Token,
	// Loopback and DialOptions).
	Source Source
	// URL of the server's websocket.
	URL string
	// Meeting id and the recorder token.
	Meeting, Token string
	// Dir is the recordings folder; each recording gets a folder inside.
	Dir string
	// Meeting file, when the bot runs beside the server (samvad run): its
	// snapshot goes into meeting.json, and its server.ice.private_candidates
	// lets the bot use the server's private candidates. Without it the bot
	// takes the meeting from the server's welcome.
	File *meeting.File
	// Loopback allows ICE over loopback (tests, one-machine runs).
	Loopback    bool
	DialOptions []signaling.DialOption
	Logger      *slog.Logger
	// RollCall gets one readable line per change ("14:02:07 Dumka joined
	// (late by 2m07s)"); nil discards them.
	RollCall io.Writer
	// HardStop, when closed, ends the recording at once: segments are
	// closed and synced, but no report is built.
	HardStop <-chan struct{}
	// SilenceAfter: a connected room with no audio for this long is
	// reported silent. Default 10 s.
	SilenceAfter time.Duration
	// ContinueWithin: a restarted bot continues an unfinished folder this
	// recent. Default recording.DefaultContinueWithin.
	ContinueWithin time.Duration
	// NoMix turns the live mix.ogg off (recording.mix: false). The File's
	// setting wins when File is given.
	NoMix bool
	// Metrics, when set, counts packets, frames, segments and reconnects.
	Metrics *metrics.Bot
	// OnEvent, when set, is told every event once it is in events.jsonl
	// (samvad run shows a LiveKit meeting's silent rooms on its roll call
	// with it). It is called in order from the goroutine that writes the
	// events; while it runs, later events wait (the audio does not).
	OnEvent func(recording.Event)
}

// Errors that retrying cannot fix.
var (
	// ErrRefused is a join the server refuses for good: wrong token or
	// meeting.
	ErrRefused = errors.New("bot: the meeting server refused the recorder")
)

// Bot records one meeting.
type Bot struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	folder *recording.Folder
	roll   *rollcall.Live
	early  []Presence // presence reported before the folder was open
	stats  recorderStats
	ready  chan struct{} // closed when the folder is open
	mix    *liveMix      // nil without a live mix
	events *eventWriter  // set when the folder opens
}

// New makes a bot; Run records.
func New(cfg Config) *Bot {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RollCall == nil {
		cfg.RollCall = io.Discard
	}
	if cfg.SilenceAfter == 0 {
		cfg.SilenceAfter = 10 * time.Second
	}
	if cfg.ContinueWithin == 0 {
		cfg.ContinueWithin = recording.DefaultContinueWithin
	}
	if cfg.File != nil {
		cfg.NoMix = !cfg.File.Recording.MixEnabled()
	}
	b := &Bot{cfg: cfg, log: cfg.Logger.With("component", "bot"), ready: make(chan struct{})}
	if b.cfg.Source == nil {
		b.cfg.Source = &SamvadSource{URL: cfg.URL, Meeting: cfg.Meeting, Token: cfg.Token,
			Loopback: cfg.Loopback, DialOptions: cfg.DialOptions, Logger: b.log,
			PrivateCandidates: cfg.File != nil && cfg.File.Server.ICE.PrivateCandidates}
	}
	b.stats.m = cfg.Metrics
	return b
}

// Ready is closed once the bot has joined and opened its folder.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Folder is the recording folder, once Ready.
func (b *Bot) Folder() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.folder == nil {
		return ""
	}
	return b.folder.Path
}

// Run records until ctx ends (or HardStop closes), rejoining whenever the
// connection is lost, and returns the folder it recorded into. Only a
// refused join (ErrRefused) ends it early.
func (b *Bot) Run(ctx context.Context) (string, error) {
	bo := backoff{}
	var down time.Time
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-b.cfg.HardStop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for ctx.Err() == nil {
		c, err := b.cfg.Source.Join(ctx, Handlers{Presence: b.presence, Track: b.recordTrack, Link: b.link})
		if err != nil {
			if errors.Is(err, ErrRefused) {
				b.log.Error("the meeting refused the recorder", "err", err)
				b.finish(time.Now())
				return b.Folder(), err
			}
			wait := bo.next()
			if ctx.Err() == nil {
				b.log.Warn("cannot join the meeting; retrying", "err", err, "in", wait)
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
			continue
		}
		now := time.Now()
		if err := b.connected(c, down, now); err != nil {
			c.Close()
			b.finish(now)
			return b.Folder(), err
		}
		bo.reset()
		status := b.startStatus(c)
		select {
		case <-c.Done():
			down = time.Now()
			reason := "connection lost"
			if err := c.Err(); err != nil {
				reason = err.Error()
			}
			c.Close()
			status()
			b.emit(recording.Event{At: down, Event: recording.EventBotDisconnected, Reason: reason,
				Text: "recorder lost the meeting (" + reason + "); rejoining"})
		case <-ctx.Done():
			select {
			case <-b.cfg.HardStop:
				c.Close()
			default:
				c.Leave()
			}
			status()
		}
	}
	b.finish(time.Now())
	return b.Folder(), nil
}

// connected runs after every successful join: the first opens the folder.
func (b *Bot) connected(c Conn, down, now time.Time) error {
	w := c.Welcome()
	b.mu.Lock()
	first := b.folder == nil
	if first {
		m, err := b.snapshot(w)
		if err != nil {
			b.mu.Unlock()
			return err
		}
		f, err := recording.Open(b.cfg.Dir, m, now, b.cfg.ContinueWithin)
		if err != nil {
			b.mu.Unlock()
			return fmt.Errorf("open recording folder: %w", err)
		}
		b.folder = f
		b.events = startEventWriter(func(evs []recording.Event) { b.writeEvents(f, evs) })
		b.roll = rollcall.NewLive(m, b.cfg.SilenceAfter, b.emit)
		if b.cfg.NoMix {
			f.Manifest.NoMix = true
			if err := f.WriteManifest(); err != nil {
				b.log.Error("manifest", "err", err)
			}
		} else if !f.Continued {
			// A restarted bot cannot append to the mix its predecessor
			// left: the report rebuilds mix.ogg from the rooms instead.
			b.mix = startLiveMix(f, b.log, b.emit)
		}
		close(b.ready)
	}
	b.mu.Unlock()
	if first {
		m := b.folder.Manifest.Meeting
		ev := recording.Event{At: now, Event: recording.EventRecordingStarted, Meeting: m.ID,
			Text: "recording " + m.Title + " into " + filepath.Base(b.folder.Path)}
		if b.folder.Continued {
			ev.Event = recording.EventBotReconnected
			ev.Reason = "restarted"
			ev.Text = "recorder restarted: continuing the recording in " + filepath.Base(b.folder.Path)
		}
		b.emit(ev)
	} else {
		b.cfg.Metrics.Reconnected()
		b.emit(recording.Event{At: now, Event: recording.EventBotReconnected, Reason: "rejoined",
			Text: fmt.Sprintf("recorder back in the meeting after %s away", now.Sub(down).Round(100*time.Millisecond))})
	}
	b.roll.Sync(w.Rooms, now)
	b.mu.Lock()
	early := b.early
	b.early = nil
	b.mu.Unlock()
	for _, p := range early {
		b.roll.Presence(p)
	}
	return nil
}

// presence passes a room's presence to the roll call; what comes before
// the roll call exists waits for it.
func (b *Bot) presence(p Presence) {
	b.mu.Lock()
	rc := b.roll
	if rc == nil {
		if len(b.early) < maxEarly {
			b.early = append(b.early, p)
		}
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	rc.Presence(p)
}

// link logs the bot's connection lost and regained within one Conn.
func (b *Bot) link(l Link) {
	if l.Up {
		b.cfg.Metrics.Reconnected()
		b.emit(recording.Event{At: l.At, Event: recording.EventBotReconnected, Reason: l.Reason,
			Text: "recorder back in the meeting (" + l.Reason + ")"})
		return
	}
	b.emit(recording.Event{At: l.At, Event: recording.EventBotDisconnected, Reason: l.Reason,
		Text: "recorder lost the meeting (" + l.Reason + "); reconnecting"})
}

// maxEarly bounds the presence kept before the folder opens: a hostile
// source cannot grow it without end.
const maxEarly = 4096

// snapshot is the meeting for meeting.json: from the meeting file when the
// bot has it, otherwise as the source describes it.
func (b *Bot) snapshot(w Welcome) (recording.Meeting, error) {
	if f := b.cfg.File; f != nil {
		m := recording.Meeting{
			ID: f.Meeting.ID, Title: f.Meeting.Title, TitleHi: f.Meeting.TitleHi,
			StartsAt: f.Meeting.StartsAt.Time, LateAfter: f.Meeting.LateAfter,
			LeftEarlyBefore: f.Meeting.LeftEarlyBefore,
			Media:           f.Media.Engine,
		}
		for _, r := range f.Rooms {
			m.Rooms = append(m.Rooms, recording.Room{ID: r.ID, Kind: r.Kind, Name: r.Name, NameHi: r.NameHi, Location: r.Location})
		}
		return m, nil
	}
	if w.Meeting == nil {
		return recording.Meeting{}, errors.New("bot: the meeting's source does not describe the meeting: give the bot the meeting file")
	}
	return *w.Meeting, nil
}

// emit hands an event to the event writer: it never waits for the disk.
func (b *Bot) emit(e recording.Event) {
	b.mu.Lock()
	w := b.events
	b.mu.Unlock()
	if w != nil {
		w.emit(e)
	}
}

// writeEvents prints the events' readable lines and appends them to the
// log (the event writer calls it, in order).
func (b *Bot) writeEvents(f *recording.Folder, evs []recording.Event) {
	loc := f.Manifest.Meeting.Location()
	for _, e := range evs {
		if e.Text != "" {
			fmt.Fprintf(b.cfg.RollCall, "%s %s\n", e.At.In(loc).Format("15:04:05"), e.Text)
		}
	}
	if err := f.Events.AppendBatch(evs); err != nil {
		b.stats.writeError()
		b.log.Error("event log", "events", len(evs), "first", evs[0].Event, "err", err)
	}
	if b.cfg.OnEvent != nil {
		for _, e := range evs {
			b.cfg.OnEvent(e)
		}
	}
}

// finish ends the recording: every track has been closed by now.
func (b *Bot) finish(now time.Time) {
	b.mu.Lock()
	f := b.folder
	b.mu.Unlock()
	if f == nil {
		return
	}
	b.roll.End(now)
	if b.mix != nil && !b.mix.close(now) {
		f.Manifest.MixIncomplete = true
	}
	b.emit(recording.Event{At: now, Event: recording.EventRecordingStopped, Text: "recording stopped"})
	b.events.close()
	f.Manifest.RecordingEndedAt = now.In(f.Manifest.Meeting.Location()).Format(recording.TimeFormat)
	if err := f.WriteManifest(); err != nil {
		b.log.Error("manifest", "err", err)
	}
	if err := f.Close(); err != nil {
		b.log.Error("close recording folder", "err", err)
	}
}

// backoff: first retry within a second, then doubling up to 5 s.
type backoff struct{ n int }

func (b *backoff) next() time.Duration {
	d := 500 * time.Millisecond << b.n
	if d > 5*time.Second {
		d = 5 * time.Second
	} else {
		b.n++
	}
	return d
}

func (b *backoff) reset() { b.n = 0 }
