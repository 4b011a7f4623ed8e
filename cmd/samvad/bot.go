package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/signaling"
)

func runBot(ctx context.Context, args []string, e *env) error {
	fs := newFlags("bot", e)
	config := fs.String("config", "", "meeting file: record as its media section says (a LiveKit room, or the samvad server at server.public_url or server.listen)")
	url := fs.String("url", "", "the meeting server's websocket, ws://HOST/ws or wss://HOST/ws")
	meetingID := fs.String("meeting", "", "meeting id")
	token := fs.String("token", "", "recorder token (default: $SAMVAD_RECORDER_TOKEN, which keeps it out of ps)")
	out := fs.String("out", "recordings", "folder for recordings: each gets a folder inside")
	ca := fs.String("ca", "", "PEM file of the CA that signed the server's certificate (a private CA), for wss://")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics at http://ADDR/metrics, e.g. :9091 or 127.0.0.1:9091 (default: none)")
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("SAMVAD_RECORDER_TOKEN")
	}
	log := newLogger(e, *verbose)
	var f *meeting.File
	var src bot.Source
	if *config != "" {
		var err error
		if f, err = meeting.Load(*config); err != nil {
			return err
		}
		if note := rehearse(f, time.Now()); note != "" {
			fmt.Fprintf(e.stdout, "samvad: %s\n", note)
		}
		if !flagGiven(fs, "out") {
			*out = f.Recording.Dir
		}
		if *meetingID == "" {
			*meetingID = f.Meeting.ID
		}
		if f.IsLiveKit() {
			livekit.SetProcessLogger(log)
			if src, err = livekit.NewSource(livekit.SourceConfig{File: f, Logger: log}); err != nil {
				return err
			}
			*url = f.Media.LiveKit.URL
		} else {
			if *url == "" {
				*url = serverWebsocket(f)
			}
			if s, ok := f.RecorderToken.Secret(); ok && *token == "" {
				*token = s
			}
		}
	}
	if src == nil && (*url == "" || *meetingID == "" || *token == "") {
		fs.Usage()
		return errors.New("bot needs --config, or --url, --meeting and a token (--token or $SAMVAD_RECORDER_TOKEN)")
	}
	var dial []signaling.DialOption
	if *ca != "" {
		cfg, err := caTLS(*ca)
		if err != nil {
			return err
		}
		dial = append(dial, signaling.WithTLSConfig(cfg))
	}
	reg := metrics.NewRegistry()
	b := bot.New(bot.Config{
		Source:      src,
		File:        f,
		Metrics:     metrics.NewBot(reg),
		DialOptions: dial,
		URL:         *url,
		Meeting:     *meetingID,
		Token:       *token,
		Dir:         *out,
		Logger:      log,
		RollCall:    e.stdout,
		HardStop:    e.hard,
	})
	fmt.Fprintf(e.stdout, "samvad bot: recording meeting %q from %s (Ctrl-C ends it)\n", *meetingID, *url)
	if *metricsAddr != "" {
		botMetrics(reg, b)
		ms, err := serveMetrics(*metricsAddr, f, reg, log)
		if err != nil {
			return err
		}
		defer ms.Close()
		fmt.Fprintf(e.stdout, "samvad bot: metrics at %s\n", ms.url)
	}
	folder, err := b.Run(ctx)
	return finishRecording(folder, f, err, e, log)
}

// serverWebsocket is the websocket of the samvad server a meeting file
// describes: its public URL, or its listening address on this machine.
func serverWebsocket(f *meeting.File) string {
	if u := f.Server.PublicURL; u != "" {
		return "ws" + strings.TrimPrefix(strings.TrimSuffix(u, "/"), "http") + "/ws"
	}
	host, port, _ := net.SplitHostPort(f.Server.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "ws"
	if f.Server.TLS.Enabled() {
		scheme = "wss"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/ws"
}

// flagGiven reports whether the command line set the flag.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
