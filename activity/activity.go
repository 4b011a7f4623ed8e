// Package activity tells from RFC 6464 audio levels who is speaking: a
// threshold with a short attack, so a click is not a turn, and a hangover,
// so the pauses between words do not split one turn into many. The relay
// uses it for the roll call and for forwarding the loudest rooms; the bot
// uses it for the speaking turns in the minutes.
package activity

import "time"

// SilentLevel is RFC 6464's level of digital silence: -127 dBov.
const SilentLevel = 127

// Defaults of a Detector.
const (
	// DefaultThreshold: levels at or above -50 dBov (level ≤ 50) are speech.
	// Speech into a laptop microphone sits around -20 to -40 dBov; a quiet
	// room's noise floor well below -55.
	DefaultThreshold = 50
	DefaultAttack    = 60 * time.Millisecond
	DefaultHangover  = 800 * time.Millisecond
)

// Detector follows one audio stream's levels. The zero value uses the
// defaults. It is not safe for concurrent use.
type Detector struct {
	Threshold int
	Attack    time.Duration
	Hangover  time.Duration

	speaking  bool
	loudSince time.Time // start of the current run of loud packets
	lastLoud  time.Time
	peak      int // loudest level (lowest number) of the current turn
}

func (d *Detector) threshold() int {
	if d.Threshold == 0 {
		return DefaultThreshold
	}
	return d.Threshold
}

func (d *Detector) attack() time.Duration {
	if d.Attack == 0 {
		return DefaultAttack
	}
	return d.Attack
}

func (d *Detector) hangover() time.Duration {
	if d.Hangover == 0 {
		return DefaultHangover
	}
	return d.Hangover
}

// Level takes one packet's level (0 loudest … 127 silence; negative for a
// packet without the extension, which counts as not loud) and reports
// whether the speaking state changed.
func (d *Detector) Level(level int, now time.Time) (changed bool) {
	if level >= 0 && level <= d.threshold() {
		if d.loudSince.IsZero() || now.Sub(d.lastLoud) > d.hangover() {
			d.loudSince = now
		}
		d.lastLoud = now
		if d.speaking && level < d.peak {
			d.peak = level
		}
		if !d.speaking && now.Sub(d.loudSince) >= d.attack() {
			d.speaking, d.peak = true, level
			return true
		}
		return false
	}
	if !d.speaking && !d.lastLoud.IsZero() && now.Sub(d.lastLoud) > d.attack() {
		d.loudSince = time.Time{} // a click, not a start
	}
	return d.Tick(now)
}

// Tick ends a turn whose hangover has run out; call it when packets stop
// coming, too. It reports whether the state changed.
func (d *Detector) Tick(now time.Time) (changed bool) {
	if d.speaking && now.Sub(d.lastLoud) > d.hangover() {
		d.speaking, d.loudSince = false, time.Time{}
		return true
	}
	return false
}

// Speaking reports the current state.
func (d *Detector) Speaking() bool { return d.speaking }

// Peak is the loudest level of the current or last turn.
func (d *Detector) Peak() int { return d.peak }

// LastLoud is when the stream was last loud enough to be speech: the end
// of a turn that has just stopped.
func (d *Detector) LastLoud() time.Time { return d.lastLoud }

// StartedAt is when the current run of loud packets began: the start of a
// turn that has just started.
func (d *Detector) StartedAt() time.Time { return d.loudSince }
