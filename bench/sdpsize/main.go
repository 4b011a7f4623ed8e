// Command sdpsize measures how big the recorder's answer (and the relay's
// offer) grows with the number of rooms: one audio line per room, built by
// pion with the relay's and the participant's codec and extension, and
// framed as the signalling message the recorder sends. The server refuses
// frames over signaling.MaxMessageSize, but for a joined recorder's, up to
// signaling.MaxRecorderMessageSize.
//
//	go run ./bench/sdpsize 25 100 150 200 300
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/signaling"
)

func api() *webrtc.API {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(media.OpusCodec(), webrtc.RTPCodecTypeAudio); err != nil {
		log.Fatal(err)
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: media.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		log.Fatal(err)
	}
	// As the relay and the participant do: no default interceptors, so no
	// transport-cc lines (NewAPI without a registry would add them).
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		log.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg))
}

func main() {
	fmt.Printf("%6s %12s %12s %14s %12s %s\n", "rooms", "offer bytes", "answer bytes", "answer frame", "fits 64 KiB", "fits a recorder's 1 MiB")
	for _, arg := range os.Args[1:] {
		n, err := strconv.Atoi(arg)
		if err != nil {
			log.Fatal(err)
		}
		offerer, _ := api().NewPeerConnection(webrtc.Configuration{})
		answerer, _ := api().NewPeerConnection(webrtc.Configuration{})
		// The recorder's first line, as the relay makes it.
		offerer.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
		for i := range n {
			// Track ids as the relay's: "mic-" and a session uuid.
			t, err := webrtc.NewTrackLocalStaticRTP(media.OpusCodec().RTPCodecCapability,
				fmt.Sprintf("mic-%08d-0000-4000-8000-000000000000", i), fmt.Sprintf("district-%03d", i))
			if err != nil {
				log.Fatal(err)
			}
			if _, err := offerer.AddTrack(t); err != nil {
				log.Fatal(err)
			}
		}
		offer, err := offerer.CreateOffer(nil)
		if err != nil {
			log.Fatal(err)
		}
		offerer.SetLocalDescription(offer)
		if err := answerer.SetRemoteDescription(offer); err != nil {
			log.Fatal(err)
		}
		answer, err := answerer.CreateAnswer(nil)
		if err != nil {
			log.Fatal(err)
		}
		frame, _ := json.Marshal(signaling.Message{Type: signaling.TypeAnswer, SDP: answer.SDP})
		fmt.Printf("%6d %12d %12d %14d %12v %v\n", n, len(offer.SDP), len(answer.SDP), len(frame),
			len(frame) <= signaling.MaxMessageSize, len(frame) <= signaling.MaxRecorderMessageSize)
		offerer.Close()
		answerer.Close()
	}
}
