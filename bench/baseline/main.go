// Command baseline records a samvad meeting the way pion's save-to-disk
// example records a call: it joins as the recorder (samvad's signalling,
// the same join, offers and candidates as the bot), builds its
// PeerConnection with webrtc.RegisterDefaultInterceptors, and for every
// track runs one loop of track.ReadRTP straight into pion's oggwriter, one
// file per track. It is the yardstick bench/run.sh measures samvad's bot
// against, in the same run: nothing here is tuned.
//
//	baseline --url ws://127.0.0.1:8080/ws --meeting ID --token T --out DIR [--metrics ADDR]
//
// With --metrics it serves baseline_packets_received_total and friends, plus
// the Go and process collectors, at http://ADDR/metrics. SIGINT or SIGTERM
// ends it: files closed, totals printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/signaling"
)

type counters struct {
	received, bytes, written, writeErrors, tracks atomic.Int64
}

func main() {
	url := flag.String("url", "", "the meeting server's websocket, ws://HOST/ws")
	meetingID := flag.String("meeting", "", "meeting id")
	token := flag.String("token", os.Getenv("SAMVAD_RECORDER_TOKEN"), "recorder token (default $SAMVAD_RECORDER_TOKEN)")
	out := flag.String("out", "baseline-recording", "folder for the .ogg files, one per track")
	metricsAddr := flag.String("metrics", "", "serve metrics at http://ADDR/metrics")
	flag.Parse()
	if *url == "" || *meetingID == "" || *token == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var c counters
	if *metricsAddr != "" {
		serveMetrics(*metricsAddr, &c)
	}
	err := record(ctx, *url, *meetingID, *token, *out, &c)
	fmt.Printf("baseline: tracks=%d received=%d bytes=%d written=%d write_errors=%d\n",
		c.tracks.Load(), c.received.Load(), c.bytes.Load(), c.written.Load(), c.writeErrors.Load())
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func record(ctx context.Context, url, meetingID, token, out string, c *counters) error {
	// As in pion's examples: a MediaEngine with the codec, and the default
	// interceptors (NACK, RTCP reports, simulcast headers, TWCC, stats).
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(media.OpusCodec(), webrtc.RTPCodecTypeAudio); err != nil {
		return err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return err
	}
	// Media on loopback only, as the bench's server offers nothing else.
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	defer pc.Close()
	n := 0
	var mu sync.Mutex
	pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		mu.Lock()
		n++
		name := filepath.Join(out, fmt.Sprintf("%s-%04d.ogg", track.StreamID(), n))
		mu.Unlock()
		w, err := oggwriter.New(name, 48000, 2)
		if err != nil {
			log.Printf("%s: %v", name, err)
			return
		}
		c.tracks.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			saveToDisk(w, track, c)
		}()
	})

	client, err := signaling.Dial(ctx, url, signaling.Message{Type: signaling.TypeJoin, Meeting: meetingID, Role: signaling.RoleRecorder, Room: "baseline", Token: token})
	if err != nil {
		return err
	}
	defer client.Close()
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			init := cand.ToJSON()
			client.Send(signaling.Message{Type: signaling.TypeCandidate, Candidate: &init})
		}
	})
	var queued []webrtc.ICECandidateInit
	remoteSet := false
	for {
		select {
		case <-ctx.Done():
			client.Leave()
			return ctx.Err()
		case msg, ok := <-client.Messages():
			if !ok {
				return fmt.Errorf("signalling ended: %w", client.Err())
			}
			switch msg.Type {
			case signaling.TypeOffer:
				if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: msg.SDP}); err != nil {
					return err
				}
				ans, err := pc.CreateAnswer(nil)
				if err != nil {
					return err
				}
				if err := pc.SetLocalDescription(ans); err != nil {
					return err
				}
				if !remoteSet {
					remoteSet = true
					for _, q := range queued {
						pc.AddICECandidate(q)
					}
					queued = nil
				}
				client.Send(signaling.Message{Type: signaling.TypeAnswer, SDP: ans.SDP})
			case signaling.TypeCandidate:
				if msg.Candidate == nil || msg.Candidate.Candidate == "" {
					continue
				}
				if !remoteSet {
					queued = append(queued, *msg.Candidate)
					continue
				}
				pc.AddICECandidate(*msg.Candidate)
			case signaling.TypeError:
				log.Printf("server: %s: %s", msg.Code, msg.Text)
			}
		}
	}
}

// saveToDisk is pion's example loop: read a packet, write it.
func saveToDisk(w *oggwriter.OggWriter, track *webrtc.TrackRemote, c *counters) {
	defer w.Close()
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		c.received.Add(1)
		c.bytes.Add(int64(len(pkt.Payload)))
		if err := w.WriteRTP(pkt); err != nil {
			c.writeErrors.Add(1)
			continue
		}
		c.written.Add(1)
	}
}

func serveMetrics(addr string, c *counters) {
	reg := metrics.NewRegistry()
	for _, m := range []struct {
		name, help string
		v          *atomic.Int64
	}{
		{"baseline_packets_received_total", "RTP packets read from the tracks.", &c.received},
		{"baseline_bytes_received_total", "RTP payload bytes read.", &c.bytes},
		{"baseline_packets_written_total", "Packets written by oggwriter.", &c.written},
		{"baseline_write_errors_total", "oggwriter errors.", &c.writeErrors},
		{"baseline_tracks_total", "Tracks recorded.", &c.tracks},
	} {
		v := m.v
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help},
			func() float64 { return float64(v.Load()) }))
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(reg))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Printf("metrics: %v", err)
		}
	}()
}
