package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/signaling"
)

func runBot(ctx context.Context, args []string, e *env) error {
	fs := newFlags("bot", e)
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
	if *url == "" || *meetingID == "" || *token == "" {
		fs.Usage()
		return errors.New("bot needs --url, --meeting and a token (--token or $SAMVAD_RECORDER_TOKEN)")
	}
	log := newLogger(e, *verbose)
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
		mctx, stop := context.WithCancel(context.Background())
		defer stop()
		at, err := serveMetrics(mctx, *metricsAddr, reg, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "samvad bot: metrics at %s\n", at)
	}
	folder, err := b.Run(ctx)
	return finishRecording(folder, err, e, log)
}
