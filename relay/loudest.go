package relay

import (
	"sort"
	"time"
)

// Loudest-room forwarding: full forwarding costs N×(N-1) streams, so a big
// meeting forwards to each room only the host and the few rooms speaking
// now. A room joins the set when it starts speaking and there is room, and
// keeps its place until it has been quiet for loudHold (unless a room that
// is speaking needs the place), so that speakers do not flap in and out
// between sentences. A listener's track of a room
// that leaves the set is switched off at once (no renegotiation) and taken
// away only after it has been off for trackIdle.
const (
	loudHold  = 3 * time.Second
	trackIdle = 30 * time.Second
)

type loudState struct {
	members map[string]time.Time // source session → last loud
}

// wants reports whether listener p should receive src now.
func (r *Relay) wants(p *Peer, src *source) bool {
	if p.info.Recorder || r.loudest == 0 || src.always {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.loud.members[src.session]
	return ok
}

type candidate struct {
	src      *source
	speaking bool
	lastLoud time.Time
	peak     int
}

// selectLoudest updates the loud set and applies it to every listener.
func (r *Relay) selectLoudest(now time.Time) {
	if r.loudest == 0 {
		return
	}
	r.mu.Lock()
	var cands []candidate
	var listeners []*Peer
	for p := range r.peers {
		if p.info.Recorder || p.act == nil {
			continue
		}
		if p.info.Receive {
			listeners = append(listeners, p)
		}
		src := p.source.Load()
		if src == nil || src.always || src.gone.Load() {
			continue
		}
		speaking, lastLoud, peak := p.act.loudness()
		cands = append(cands, candidate{src, speaking, lastLoud, peak})
	}
	// Rooms speaking now keep their place; then newcomers speaking now,
	// loudest first; then members that fell quiet less than loudHold ago,
	// which a speaking newcomer may displace.
	members := map[string]time.Time{}
	sort.Slice(cands, func(i, j int) bool { return cands[i].peak < cands[j].peak })
	for _, c := range cands {
		if _, was := r.loud.members[c.src.session]; was && c.speaking && len(members) < r.loudest {
			members[c.src.session] = c.lastLoud
		}
	}
	for _, c := range cands {
		if _, in := members[c.src.session]; !in && c.speaking && len(members) < r.loudest {
			members[c.src.session] = c.lastLoud
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].lastLoud.After(cands[j].lastLoud) })
	for _, c := range cands {
		_, was := r.loud.members[c.src.session]
		if _, in := members[c.src.session]; was && !in && now.Sub(c.lastLoud) < loudHold && len(members) < r.loudest {
			members[c.src.session] = c.lastLoud
		}
	}
	changed := len(members) != len(r.loud.members)
	for s := range members {
		if _, ok := r.loud.members[s]; !ok {
			changed = true
		}
	}
	r.loud.members = members
	sources := make([]*source, 0, len(cands))
	for _, c := range cands {
		sources = append(sources, c.src)
	}
	r.mu.Unlock()

	for _, p := range listeners {
		for _, src := range sources {
			if src.session == p.info.Session {
				continue
			}
			if _, loud := members[src.session]; loud {
				if changed {
					p.subscribe(src)
				}
				continue
			}
			p.quiet(src, now)
		}
	}
}

// quiet switches src off for this peer, and takes its track away once it
// has been off for trackIdle.
func (p *Peer) quiet(src *source, now time.Time) {
	p.mu.Lock()
	f, ok := p.senders[src.session]
	p.mu.Unlock()
	if !ok {
		return
	}
	f.out.setEnabled(false, now)
	if off := f.out.offSince.Load(); off != 0 && now.Sub(time.Unix(0, off)) > trackIdle {
		p.unsubscribe(src)
	}
}
