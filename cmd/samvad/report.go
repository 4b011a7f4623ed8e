package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

func runReport(ctx context.Context, args []string, e *env) error {
	fs := newFlags("report", e)
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("report needs the recording folder: samvad report DIR")
	}
	return buildReport(ctx, fs.Arg(0), e, newLogger(e, *verbose))
}

// buildReport makes the minutes folder and says what it made; ctx ending
// stops it.
func buildReport(ctx context.Context, dir string, e *env, log *slog.Logger) error {
	res, err := minutes.Build(dir, minutes.Options{Logger: log, Progress: newProgressBar(e.stderr), Context: ctx})
	if errors.Is(err, recording.ErrFileInUse) {
		return fmt.Errorf("report: %w; close it and run `samvad report %s` again", err, dir)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(e.stdout, "samvad: %s: %d room files, %s recorded\n", res.Folder, len(res.Rooms), res.End.Sub(res.Start).Round(1e9))
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stdout, "  skipped: %s\n", s)
	}
	return nil
}

// finishRecording builds the report after a recording ended, unless it was
// stopped hard, and prints the folder.
func finishRecording(folder string, runErr error, e *env, log *slog.Logger) error {
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
	if err := buildReport(ctx, folder, e, log); err != nil {
		return errors.Join(runErr, err)
	}
	fmt.Fprintln(e.stdout, folder)
	return runErr
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
