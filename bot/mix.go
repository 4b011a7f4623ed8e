package bot

import (
	"log/slog"
	"sync"
	"time"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/recording"
)

// liveMix is the bot's mix.ogg, written as the meeting goes: every room's
// segment feeds it, and a ticker goroutine the bot owns mixes, encodes and
// writes, so the rooms' goroutines never wait on the encoder or the disk.
type liveMix struct {
	m    *mixer.Mixer
	log  *slog.Logger
	emit func(recording.Event)
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	failed bool
}

const mixFile = "mix.ogg"

// startLiveMix starts mix.ogg in the folder, or returns nil (the report
// will build it) when it cannot.
func startLiveMix(f *recording.Folder, log *slog.Logger, emit func(recording.Event)) *liveMix {
	m, err := mixer.Create(f.Root, mixFile, f.Start(), mixer.Options{})
	if err != nil {
		log.Warn("no live mix: the report will build mix.ogg", "err", err)
		return nil
	}
	lm := &liveMix{m: m, log: log, emit: emit, stop: make(chan struct{})}
	lm.wg.Add(1)
	go func() {
		defer lm.wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				if err := m.Tick(now); err != nil {
					lm.fail(now, err)
				}
			case <-lm.stop:
				return
			}
		}
	}()
	return lm
}

func (lm *liveMix) fail(now time.Time, err error) {
	lm.mu.Lock()
	first := !lm.failed
	lm.failed = true
	lm.mu.Unlock()
	if first {
		lm.emit(recording.Event{At: now, Event: recording.EventWriteError, Segment: mixFile, Reason: err.Error(),
			Text: "cannot write mix.ogg: " + err.Error() + " (the report will rebuild it)"})
	}
}

// follow adds a room connection whose first packet arrived at first (see
// mixer.Mixer.Follow: its segment may settle on a start up to
// capture.MaxHold earlier); nil when the mix has failed.
func (lm *liveMix) follow(first time.Time) *mixer.Input {
	if lm == nil {
		return nil
	}
	in, err := lm.m.Follow(first.Add(-capture.MaxHold))
	if err != nil {
		lm.log.Debug("mix input", "err", err)
		return nil
	}
	return in
}

// close ends the mix at the recording's end; it reports whether the mix is
// complete (no write error, nothing that arrived too late for it).
func (lm *liveMix) close(end time.Time) bool {
	close(lm.stop)
	lm.wg.Wait()
	if err := lm.m.Close(end); err != nil {
		lm.fail(end, err)
	}
	st := lm.m.Stats()
	lm.log.Info("live mix closed", "stats", st)
	lm.mu.Lock()
	defer lm.mu.Unlock()
	return !lm.failed && st.LateSamples == 0
}
