package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/meeting"
)

func runRun(ctx context.Context, args []string, e *env) error {
	fs := newMeetingFlags("run", e)
	links := fs.Bool("links", false, "print the join links with their tokens even when standard output is not a terminal")
	f, log, note, err := fs.load(args, e)
	if err != nil {
		return err
	}
	secret := rand.Text()
	srv, err := startServer(f, f.Server.Listen, log, serverOptions{recorderSecret: secret})
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintf(e.stdout, "samvad: %s\n", note)
		log.Info("rehearsal", "starts_at", f.Meeting.StartsAt.Format(time.RFC3339))
	}
	printLinks(e.stdout, f, srv.publicURL(f), *links || e.terminal)
	fmt.Fprintf(e.stdout, "  metrics:    %s (server and recorder)\n", srv.metricsURL())
	src, err := recorderSource(f, srv, log)
	if err != nil {
		srv.Close()
		return err
	}
	b := bot.New(bot.Config{
		Source:      src,
		OnEvent:     silentRooms(f, srv),
		Metrics:     srv.newBotMetrics(),
		URL:         srv.wsURL,
		Meeting:     f.Meeting.ID,
		Token:       secret,
		Dir:         f.Recording.Dir,
		File:        f,
		Loopback:    true,
		DialOptions: srv.localDialOptions(),
		Logger:      log,
		RollCall:    e.stdout,
		HardStop:    e.hard,
	})
	botMetrics(srv.metrics, b)
	folder, err := b.Run(ctx)
	if cerr := srv.Close(); cerr != nil {
		log.Warn("server close", "err", cerr)
	}
	return finishRecording(folder, f, err, e, log)
}

// publicURL is where browsers reach the server: server.public_url, or the
// listening address.
func (s *meetingServer) publicURL(f *meeting.File) string {
	if f.Server.PublicURL != "" {
		return strings.TrimSuffix(f.Server.PublicURL, "/")
	}
	return s.baseURL
}
