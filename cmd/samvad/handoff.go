package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/samvad/samvad/handoff"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
)

// handOff delivers a finished folder as the meeting file's
// recording.on_finished says, printing each outcome on the roll call. A
// failure leaves the folder as it was and says how to try again.
func handOff(ctx context.Context, folder string, f *meeting.File, e *env, log *slog.Logger) error {
	if f == nil || !f.Recording.OnFinished.Any() {
		return nil
	}
	o := f.Recording.OnFinished
	var parts []string
	if len(o.Command) > 0 {
		parts = append(parts, "command "+o.Command[0])
	}
	if o.Webhook != nil {
		parts = append(parts, "webhook "+handoff.Redact(o.Webhook.URL))
	}
	if o.S3 != nil {
		parts = append(parts, o.S3.String())
	}
	fmt.Fprintf(e.stdout, "samvad: handing %s over: %s (Ctrl-C stops it) · रिकॉर्डिंग सौंपी जा रही है\n", folder, strings.Join(parts, ", "))
	_, err := handoff.Run(ctx, folder, handoff.Config{OnFinished: o, Logger: log, RollCall: e.stdout})
	if err != nil {
		fmt.Fprintf(e.stdout, "samvad: the hand-off did not complete; the recording is intact. Try again with: samvad report %s --hand-off --config %s\n"+
			"  सौंपना पूरा नहीं हुआ; रिकॉर्डिंग सुरक्षित है। दोबारा चलाएँ: samvad report %s --hand-off --config %s\n",
			folder, f.Path, folder, f.Path)
	}
	return err
}

// reportAndHandOff is `samvad report DIR --hand-off`: the minutes are
// built if the folder has none yet, then it is handed over again (after a
// receiver was down, or a store went away).
func reportAndHandOff(ctx context.Context, folder, config string, e *env, log *slog.Logger) error {
	if config == "" {
		return errors.New("report --hand-off needs --config: the meeting file says where the folder goes")
	}
	f, err := meeting.Load(config)
	if err != nil {
		return err
	}
	if !f.Recording.OnFinished.Any() {
		return fmt.Errorf("%s has no recording.on_finished: nothing to hand over", config)
	}
	if _, err := os.Stat(filepath.Join(folder, minutes.PageFile)); err != nil {
		if _, err := buildReport(ctx, folder, e, log); err != nil {
			return err
		}
	}
	return handOff(ctx, folder, f, e, log)
}

// parseInterspersed parses flags before and after the arguments, as in
// `samvad report DIR --hand-off`, and returns the arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
