package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/samvad/samvad/meeting"
)

// env is what a subcommand may use of the process.
type env struct {
	stdout, stderr io.Writer
	// hard is closed on a second interrupt: stop at once, after making
	// sure what was received is on disk.
	hard <-chan struct{}
	// terminal: stdout is a terminal, not a log that keeps what it is told.
	terminal bool
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, e *env) error
}

func commands() []command {
	return []command{
		{"demo", "[--config F] [--rooms N] [--duration D] [--out DIR]", "server + bot + simulated rooms in one process, then the report", runDemo},
		{"run", "--config F", "server + bot in one process: the meeting itself", runRun},
		{"serve", "--config F", "the meeting server alone", runServe},
		{"bot", "--url ws(s)://HOST/ws --meeting ID [--token T] [--out DIR]", "the bot alone, against any samvad server", runBot},
		{"simulate", "--url ws(s)://HOST/ws --config F [--rooms N|id,...] [--duration D]", "synthetic rooms against a running server", runSimulate},
		{"report", "[-v] DIR [--hand-off --config F]", "rebuild the minutes folder from the recording folder DIR (recording.dir/<date>-<meeting id>); --hand-off hands it over again", runReport},
		{"tokens", "--config F [--write]", "fresh room tokens and join links", runTokens},
		{"version", "", "the version, commit, Go and system of this samvad", runVersion},
	}
}

// errUsage is returned after usage has been printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	if args[0] == "--version" {
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], e)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	usage(e.stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "samvad: an online meeting with district rooms, recorded for the minutes")
	fmt.Fprintln(w, "\nusage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  samvad %-8s %s\n  %8s %s\n", c.name, c.args, "", c.summary)
	}
}

// newFlags makes a subcommand's flag set that reports errors instead of
// exiting, and whose usage (--help, a bad flag) starts with the command's
// line as the command list gives it: its arguments too, not only its flags
// ("samvad report DIR").
func newFlags(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("samvad "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	for _, c := range commands() {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(fs.Output(), "usage: samvad %s %s\n  %s\n", c.name, c.args, c.summary)
				var n int
				fs.VisitAll(func(*flag.Flag) { n++ })
				if n > 0 {
					fmt.Fprintln(fs.Output(), "\nflags:")
					fs.PrintDefaults()
				}
			}
		}
	}
	return fs
}

// meetingFlags are the flags of the commands that hold a meeting, serve and
// run: its file and the log's verbosity.
type meetingFlags struct {
	*flag.FlagSet
	config  *string
	verbose *bool
}

func newMeetingFlags(name string, e *env) meetingFlags {
	fs := newFlags(name, e)
	return meetingFlags{
		FlagSet: fs,
		config:  fs.String("config", "", "meeting file (YAML)"),
		verbose: fs.Bool("v", false, "debug logging"),
	}
}

// load parses args and loads the meeting file; note is what rehearse says
// of the meeting now ("" on the day).
func (mf meetingFlags) load(args []string, e *env) (f *meeting.File, log *slog.Logger, note string, err error) {
	if err := mf.Parse(args); err != nil {
		return nil, nil, "", err
	}
	if *mf.config == "" {
		mf.Usage()
		return nil, nil, "", fmt.Errorf("%s needs --config", strings.TrimPrefix(mf.Name(), "samvad "))
	}
	if f, err = meeting.Load(*mf.config); err != nil {
		return nil, nil, "", err
	}
	return f, newLogger(e, *mf.verbose), rehearse(f, time.Now()), nil
}

// newLogger is the process's structured log on stderr.
func newLogger(e *env, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose || strings.Contains(os.Getenv("SAMVAD_LOG"), "debug") {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}
