package main

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/simulate"
)

// recorderSource is where a bot beside the server (run, demo) takes the
// meeting from: the LiveKit room when the file says so, reporting its
// health to the server's roll call; nil means samvad's own server.
func recorderSource(f *meeting.File, srv *meetingServer, log *slog.Logger) (bot.Source, error) {
	if !f.IsLiveKit() {
		return nil, nil
	}
	return livekit.NewSource(livekit.SourceConfig{File: f, Logger: log, Report: srv.sig.SetRecorderStatus})
}

// silentRooms shows, on the roll call of a meeting on LiveKit, the rooms
// the recorder hears connected but silent: LiveKit tells only who speaks.
func silentRooms(f *meeting.File, srv *meetingServer) func(recording.Event) {
	if !f.IsLiveKit() {
		return nil
	}
	return func(e recording.Event) {
		switch e.Event {
		case recording.EventAudioStopped:
			srv.sig.SetSilent(e.Room, true, e.At)
		case recording.EventAudioStarted:
			srv.sig.SetSilent(e.Room, false, e.At)
		}
	}
}

// liveKitRooms joins simulated rooms the way the join page does on a
// LiveKit meeting: a grant from samvad's server, then LiveKit. With nodes
// given, the rooms spread over them, and a room that joins again takes
// the next node.
func liveKitRooms(wsURL, meetingID string, dial []signaling.DialOption, nodes []string, log *slog.Logger) func(context.Context, simulate.Room, func(*webrtc.TrackRemote)) (simulate.Conn, error) {
	var n atomic.Uint32
	return func(ctx context.Context, room simulate.Room, listen func(*webrtc.TrackRemote)) (simulate.Conn, error) {
		j := livekit.SamvadJoin{URL: wsURL, Meeting: meetingID, Room: room.ID, Token: room.Token, DialOptions: dial,
			Listen: listen, Logger: log.With("room", room.ID)}
		if len(nodes) > 0 {
			j.LiveKitURL = nodes[int(n.Add(1)-1)%len(nodes)]
		}
		r, err := livekit.JoinThroughSamvad(ctx, j)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}
