package mixer_test

import (
	"log"
	"os"
	"time"

	"github.com/pion/rtp"

	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/recorder"
)

// This is how the bot wires the live mix: one Mixer for the recording, a
// ticker goroutine that ticks it, and in each track's goroutine one Input
// per segment, the segment's sink, told each packet's level.
func Example_bot() {
	root, err := os.OpenRoot("recordings/2023-11-21-jmm-2023-11-21")
	if err != nil {
		log.Fatal(err)
	}
	recStart := time.Now() // recording_started_at
	mix, err := mixer.Create(root, "mix.ogg", recStart, mixer.Options{})
	if err != nil {
		log.Fatal(err)
	}
	stop, ticked := make(chan struct{}), make(chan struct{})
	go func() { // the ticker: mixing, encoding and writing happen here
		defer close(ticked)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				if err := mix.Tick(now); err != nil {
					log.Print(err) // a write_error event; the rooms carry on
				}
			case <-stop:
				return
			}
		}
	}()

	// In a track's goroutine, when the connection's first packet arrives:
	var pkt rtp.Packet
	arrival := time.Now()
	in, err := mix.Follow(arrival) // arrival: what the first Push gets
	if err != nil {
		log.Fatal(err)
	}
	// The input follows the segment: placed on the timeline when the
	// segment settles on its start, fed every frame it writes (both inside
	// Push, Tick and Close below).
	seg, err := recorder.CreateSegment(root, recorder.SegmentName("ranchi", 1), recorder.Config{Sink: in})
	if err != nil {
		log.Fatal(err)
	}
	// For every packet (the first one included), before pushing it:
	level := 40 // from the RFC 6464 header extension; -1 without one
	in.Level(arrival, level)
	if err := seg.Push(&pkt, arrival); err != nil {
		log.Print(err)
	}
	// When the track ends:
	end := time.Now()
	seg.Close(end)
	in.Close()

	// When the recording ends, with recording_ended_at:
	close(stop)
	<-ticked
	if err := mix.Close(end); err != nil {
		log.Print(err)
	}
}
