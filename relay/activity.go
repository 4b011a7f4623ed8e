package relay

import (
	"sync"
	"time"

	"github.com/samvad/samvad/activity"
)

// DefaultSilentAfter: a room connected this long without audio, or with
// only digital silence, is reported silent.
const DefaultSilentAfter = 10 * time.Second

// Activity is a change in what a room is doing, for the roll call.
type Activity struct {
	Room, Session string
	// Speaking: the room's audio level is at speech level now.
	Speaking bool
	// Silent: connected, but no audio packets or only digital silence for
	// Config.SilentAfter.
	Silent bool
	At     time.Time
}

// roomActivity follows one room connection's audio.
type roomActivity struct {
	mu          sync.Mutex
	det         activity.Detector
	since       time.Time // connected
	lastSound   time.Time
	silent      bool
	silentAfter time.Duration
}

// packet notes one packet's level (-1 without the extension) and reports
// whether the room's activity changed.
func (a *roomActivity) packet(level int, now time.Time) (changed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if level != activity.SilentLevel {
		a.lastSound = now
		if a.silent {
			a.silent, changed = false, true
		}
	}
	if a.det.Level(level, now) {
		changed = true
	}
	return changed
}

// tick ends speaking turns and finds silence when packets stop.
func (a *roomActivity) tick(now time.Time) (changed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	changed = a.det.Tick(now)
	last := a.since
	if a.lastSound.After(last) {
		last = a.lastSound
	}
	if !a.silent && now.Sub(last) >= a.silentAfter {
		a.silent, changed = true, true
	}
	return changed
}

// loudness is what loudest-room forwarding ranks rooms by.
func (a *roomActivity) loudness() (speaking bool, lastLoud time.Time, peak int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.det.Speaking(), a.det.LastLoud(), a.det.Peak()
}

func (a *roomActivity) state() (speaking, silent bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.det.Speaking(), a.silent
}

// OnActivity sets the function told of every change in a room's activity.
// It is called from the relay's goroutines and must not block.
func (r *Relay) OnActivity(f func(Activity)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onActivity = f
}

func (r *Relay) reportActivity(p *Peer, now time.Time) {
	speaking, silent := p.act.state()
	r.mu.Lock()
	f := r.onActivity
	r.mu.Unlock()
	if f != nil {
		f(Activity{Room: p.info.Room, Session: p.info.Session, Speaking: speaking, Silent: silent, At: now})
	}
}

// watchActivity ticks every room's activity until the relay closes.
func (r *Relay) watchActivity(done <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			r.mu.Lock()
			peers := make([]*Peer, 0, len(r.peers))
			for p := range r.peers {
				if p.act != nil {
					peers = append(peers, p)
				}
			}
			r.mu.Unlock()
			for _, p := range peers {
				if p.act.tick(now) {
					r.reportActivity(p, now)
				}
			}
			r.selectLoudest(now)
		case <-done:
			return
		}
	}
}
