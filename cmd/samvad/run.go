package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/meeting"
)

func runRun(ctx context.Context, args []string, e *env) error {
	fs := newFlags("run", e)
	config := fs.String("config", "", "meeting file (YAML)")
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" {
		fs.Usage()
		return errors.New("run needs --config")
	}
	f, err := meeting.Load(*config)
	if err != nil {
		return err
	}
	log := newLogger(e, *verbose)
	secret := rand.Text()
	srv, err := startServer(f, f.Server.Listen, log, serverOptions{recorderSecret: secret})
	if err != nil {
		return err
	}
	printLinks(e.stdout, f, srv.publicURL(f))
	fmt.Fprintf(e.stdout, "  metrics:    %s/metrics (server and recorder)\n", srv.baseURL)
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

// printLinks prints each room's join link and the roll call's. A link holds
// the token (in the fragment, never sent to the server) when the meeting
// file gives the secret; for hashed tokens `samvad tokens` makes links.
func printLinks(w io.Writer, f *meeting.File, base string) {
	fmt.Fprintf(w, "samvad: meeting %q: %s\n", f.Meeting.ID, f.Meeting.Title)
	fmt.Fprintf(w, "  roll call:  %s/rollcall%s\n", base, fragment(f.StaffToken))
	fmt.Fprintf(w, "  recordings: %s/recordings%s\n", base, fragment(f.StaffToken))
	for _, r := range f.Rooms {
		fmt.Fprintf(w, "  %-20s %s/join/%s%s\n", r.Name+":", base, url.PathEscape(r.ID), fragment(r.Token))
	}
}

func fragment(t meeting.Token) string {
	if s, ok := t.Secret(); ok {
		return "#token=" + url.QueryEscape(s)
	}
	return ""
}

// publicURL is where browsers reach the server: server.public_url, or the
// listening address.
func (s *meetingServer) publicURL(f *meeting.File) string {
	if f.Server.PublicURL != "" {
		return strings.TrimSuffix(f.Server.PublicURL, "/")
	}
	return s.baseURL
}
