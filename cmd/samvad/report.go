package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

func runReport(ctx context.Context, args []string, e *env) error {
	fs := newFlags("report", e)
	verbose := fs.Bool("v", false, "debug logging")
	handOver := fs.Bool("hand-off", false, "then hand the folder over as the meeting file's recording.on_finished says (needs --config)")
	config := fs.String("config", "", "meeting file, for --hand-off")
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 {
		fs.Usage()
		return errors.New("report needs the recording folder: samvad report DIR")
	}
	log := newLogger(e, *verbose)
	if !*handOver {
		_, err := buildReport(ctx, dirs[0], e, log)
		return err
	}
	return reportAndHandOff(ctx, dirs[0], *config, e, log)
}

// buildReport makes the minutes folder and says what it made; ctx ending
// stops it.
func buildReport(ctx context.Context, dir string, e *env, log *slog.Logger) (*minutes.Result, error) {
	res, err := minutes.Build(dir, minutes.Options{Logger: log, Progress: newProgressBar(e.stderr), Context: ctx})
	if errors.Is(err, recording.ErrFileInUse) {
		return nil, fmt.Errorf("report: %w; close it and run `samvad report %s` again", err, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(e.stdout, "samvad: %s: %d room files, %s recorded\n", res.Folder, len(res.Rooms), res.End.Sub(res.Start).Round(1e9))
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stdout, "  skipped: %s\n", s)
	}
	return res, nil
}

// finishRecording builds the report after a recording ended, unless it was
// stopped hard, hands the folder over as f says (f may be nil), and prints
// the folder.
func finishRecording(folder string, f *meeting.File, runErr error, e *env, log *slog.Logger) error {
	if folder == "" {
		return runErr
	}
	select {
	case <-e.hard:
		fmt.Fprintf(e.stdout, "samvad: stopped at once; the recording is in %s (run `samvad report %s` for the minutes)\n", folder, folder)
		return runErr
	default:
	}
	// The meeting's own Ctrl-C has ended the recording: the report is
	// stopped by the second, which stops everything at once.
	ctx, stop := untilHard(e)
	defer stop()
	if _, err := buildReport(ctx, folder, e, log); err != nil {
		return errors.Join(runErr, err)
	}
	err := handOff(ctx, folder, f, e, log)
	fmt.Fprintln(e.stdout, folder)
	return errors.Join(runErr, err)
}

// untilHard is a context that ends when the user asks to stop at once;
// stop releases it and waits for the goroutine that watches.
func untilHard(e *env) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-e.hard:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		<-watched
		cancel()
	}
}
