package bot

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/samvad/samvad/internal/disk"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/signaling"
)

// recorderStats are the bot's running totals, for the roll call's health
// line.
type recorderStats struct {
	written     atomic.Int64 // audio written, in nanoseconds
	segments    atomic.Int64
	writeErrors atomic.Int64
	m           *metrics.Bot
}

func (s *recorderStats) writeError() {
	s.writeErrors.Add(1)
	s.m.WriteError()
}
func (s *recorderStats) segmentOpened() { s.segments.Add(1) }

// addWritten adds what a segment wrote since it was last counted, and
// returns the new count for that segment.
func (s *recorderStats) addWritten(now, before time.Duration) time.Duration {
	if now > before {
		s.written.Add(int64(now - before))
	}
	return now
}

// startStatus ticks the roll call every second and reports the recorder's
// health to the server every few seconds; the returned func stops it and
// waits.
func (b *Bot) startStatus(c Conn) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case now := <-t.C:
				b.roll.Tick(now)
				if f := b.Folder(); f != "" {
					b.mu.Lock()
					events := b.folder.Events
					b.mu.Unlock()
					events.Retry()
				}
				if i%2 == 0 {
					c.Report(b.Status())
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// Status is the recorder's health now.
func (b *Bot) Status() signaling.RecorderStatus {
	st := signaling.RecorderStatus{
		Recording:      true,
		SecondsWritten: time.Duration(b.stats.written.Load()).Seconds(),
		Segments:       int(b.stats.segments.Load()),
		WriteErrors:    int(b.stats.writeErrors.Load()),
		Folder:         b.Folder(),
	}
	if st.Folder != "" {
		// Unknown stays 0, which the roll call shows as "–".
		if n, err := disk.Free(st.Folder); err == nil {
			st.DiskFreeBytes = n
		}
	}
	return st
}

// RoomsConnected counts the meeting's rooms connected now, as the roll call
// knows them.
func (b *Bot) RoomsConnected() int {
	b.mu.Lock()
	rc := b.roll
	b.mu.Unlock()
	if rc == nil {
		return 0
	}
	return rc.Connected()
}
