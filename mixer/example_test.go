package mixer_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/pion/rtp"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/mixer"
	"github.com/samvad/samvad/voice"
)

// This is how the bot wires the live mix: one Mixer for the recording, a
// ticker goroutine that ticks it, and in each track's goroutine one Input
// per segment, the segment's sink, told each packet's level. Here one
// room (ranchi) speaks for a second, in a recording folder of its own.
func Example_bot() {
	dir, err := os.MkdirTemp("", "2023-11-21-jmm-2023-11-21")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer root.Close()
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

	// A second of a voice, as a room's packets: what the bot's track
	// reads from its PeerConnection, 20 ms apart.
	speech := voice.NewPlayer(voice.Synth(1, time.Second), 0)
	const frames = 50
	arrival := func(k int) time.Time { return recStart.Add(time.Duration(k) * 20 * time.Millisecond) }

	// In a track's goroutine, when the connection's first packet arrives:
	in, err := mix.Follow(arrival(0).Add(-capture.MaxHold)) // arrival: what the first Push gets
	if err != nil {
		log.Fatal(err)
	}
	// The input follows the segment: placed on the timeline when the
	// segment settles on its start, fed every frame it writes (both inside
	// Push, Tick and Close below).
	seg, err := capture.CreateSegment(root, capture.SegmentName("ranchi", 1), capture.Config{Sink: in})
	if err != nil {
		log.Fatal(err)
	}
	// For every packet (the first one included), before pushing it:
	for k := range frames {
		p := speech.Next()
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(k), Timestamp: uint32(k * 960), SSRC: 1}, Payload: p.Opus}
		in.Level(arrival(k), int(p.Level)) // from the RFC 6464 header extension; -1 without one
		if err := seg.Push(pkt, arrival(k)); err != nil {
			log.Print(err)
		}
	}
	// When the track ends:
	end := arrival(frames)
	seg.Close(end)
	in.Close()

	// When the recording ends, with recording_ended_at:
	close(stop)
	<-ticked
	if err := mix.Close(end); err != nil {
		log.Print(err)
	}

	complete, err := mixer.Check(root, "mix.ogg", end.Sub(recStart))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("segment: %d packets received, %v written\n", seg.Stats().Received, seg.Written())
	fmt.Printf("mix.ogg plays the recording's %v: %v\n", end.Sub(recStart), complete)
	// Output:
	// segment: 50 packets received, 1s written
	// mix.ogg plays the recording's 1s: true
}
