package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/samvad/samvad/minutes"
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
	return buildReport(fs.Arg(0), e, newLogger(e, *verbose))
}

// buildReport makes the minutes folder and says what it made.
func buildReport(dir string, e *env, log *slog.Logger) error {
	res, err := minutes.Build(dir, minutes.Options{Logger: log, Progress: newProgressBar(e.stderr)})
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
	if err := buildReport(folder, e, log); err != nil {
		return errors.Join(runErr, err)
	}
	fmt.Fprintln(e.stdout, folder)
	return runErr
}
