package meetingtest

import (
	"sync"
	"time"

	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/voice"
)

// SendTone has p's microphone send a steady tone of hz, one 20 ms packet
// every 20 ms as a browser would, until stop. stop returns once the last
// packet is sent; calling it again does nothing.
func SendTone(p *participant.Participant, hz float64) (stop func()) {
	tone := voice.Tone(hz, time.Second)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-tick.C:
				pk := tone.Packet(i % tone.Len())
				p.Mic().Send(pk.Opus, voice.FrameSamples, pk.Level)
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-ended
	}
}
