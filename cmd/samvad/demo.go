package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/simulate"
)

const (
	demoConfig   = "configs/demo.yaml"
	demoDuration = 30 * time.Second
	// lingerAfter lets the last packets of the rooms that just left reach
	// the recorder before it stops; then it waits, up to lingerMax, until
	// it has seen every room leave (on LiveKit the word comes through its
	// server, later than on samvad's relay, and later still on a loaded
	// machine).
	lingerAfter = 300 * time.Millisecond
	lingerMax   = 5 * time.Second
)

func runDemo(ctx context.Context, args []string, e *env) error {
	flags := newFlags("demo", e)
	config := flags.String("config", demoConfig, "meeting file (YAML); its tokens are replaced by fresh ones, in memory")
	out := flags.String("out", "", "folder for recordings: each gets a folder inside (default: the file's recording.dir)")
	sf := addScriptFlags(flags, demoDuration, 0)
	verbose := flags.Bool("v", false, "debug logging")
	if err := flags.Parse(args); err != nil {
		return err
	}
	f, err := meeting.Load(*config)
	if errors.Is(err, fs.ErrNotExist) && *config == demoConfig {
		return fmt.Errorf("%w (run samvad from its source folder, or give --config)", err)
	}
	if err != nil {
		return err
	}
	log := newLogger(e, *verbose)
	opts, err := sf.options(f)
	if err != nil {
		return err
	}
	// The recorder's silence alarm and the pause scale with the demo, so
	// that a half-minute demo shows both.
	silenceAfter := min(max(opts.Duration/10, 2*time.Second), 10*time.Second)
	if opts.PauseFor == 0 {
		opts.PauseFor = silenceAfter + 2500*time.Millisecond
	}

	d := newDemoMeeting(f)
	script, err := simulate.Build(d.file, opts)
	if err != nil {
		return err
	}
	// The meeting starts now: the rooms must not be held up after that by
	// making their voices.
	if err := simulate.Prepare(script); err != nil {
		return err
	}
	d.schedule(script)
	d.note += fmt.Sprintf("; the recorder calls a connected room silent after %s without sound (10s in a real meeting)", silenceAfter)
	dir := *out
	if dir == "" {
		dir = f.Recording.Dir
	}

	return d.play(ctx, script, dir, silenceAfter, e, log, *verbose)
}

// play runs the server, the recorder and the rooms, then the report.
func (d *demoMeeting) play(ctx context.Context, script simulate.Script, dir string, silenceAfter time.Duration, e *env, log *slog.Logger, verbose bool) error {
	f := d.file
	srv, err := startServer(f, "127.0.0.1:0", log, serverOptions{recorderSecret: d.recorderSecret, loopbackOnly: true})
	if err != nil {
		return err
	}
	w := &lockedWriter{w: e.stdout}
	fmt.Fprintf(w, "samvad demo: meeting %q, %d of its %d rooms simulated for %s, on %s\n",
		f.Meeting.ID, joining(script), len(script.Rooms), script.Duration, srv.baseURL)
	fmt.Fprintf(w, "  roll call:  %s/rollcall#token=%s\n", srv.baseURL, d.staffSecret)
	fmt.Fprintf(w, "  demo meeting: fresh tokens for every room (in memory only); %s\n", d.note)
	printPlan(w, script)

	// The recorder outlives a Ctrl-C long enough to log the rooms
	// leaving; stop ends it (and the server) once they have.
	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBot()
	src, err := recorderSource(f, srv, log)
	if err != nil {
		srv.Close()
		return err
	}
	var present presence
	b := bot.New(bot.Config{
		Source:  src,
		OnEvent: present.follow(silentRooms(f, srv)),
		Metrics: srv.newBotMetrics(),
		URL:     srv.wsURL, Meeting: f.Meeting.ID, Token: d.recorderSecret, Dir: dir, File: f,
		Loopback: true, Logger: log, RollCall: w, HardStop: e.hard, SilenceAfter: silenceAfter,
	})
	botDone := make(chan botResult, 1)
	go func() {
		folder, err := b.Run(botCtx)
		botDone <- botResult{folder, err}
	}()
	stop := func() botResult {
		stopBot()
		res := <-botDone
		if err := srv.Close(); err != nil {
			log.Warn("server close", "err", err)
		}
		return res
	}

	select {
	case <-b.Ready():
	case res := <-botDone:
		srv.Close()
		return fmt.Errorf("demo: the recorder did not start: %w", res.err)
	case <-ctx.Done():
		return d.finish(stop(), nil, e, log)
	}
	cfg := simulate.Config{URL: srv.wsURL, Loopback: true, Logger: log}
	if f.IsLiveKit() {
		cfg.Join = liveKitRooms(srv.wsURL, f.Meeting.ID, nil, nil, log)
		cfg.LeaveSpread = time.Second
	}
	if verbose {
		// The roll call already tells the story; the rooms' own account
		// of what they did is for a closer look.
		cfg.OnStep = stepPrinter(w, f.Location())
	}
	runner, err := simulate.Start(ctx, script, cfg)
	if err != nil {
		return d.finish(stop(), err, e, log)
	}
	stats, simErr := runner.Wait()
	if verbose {
		printStats(w, stats)
	}
	present.awaitEmpty(ctx, lingerAfter, lingerMax)
	return d.finish(stop(), simErr, e, log)
}

// presence counts the rooms the recorder has logged as connected.
type presence struct {
	mu        sync.Mutex
	connected map[string]bool
}

// follow returns an event hook that keeps count and then calls next (if
// set).
func (p *presence) follow(next func(recording.Event)) func(recording.Event) {
	return func(e recording.Event) {
		p.mu.Lock()
		switch e.Event {
		case recording.EventJoined:
			if p.connected == nil {
				p.connected = map[string]bool{}
			}
			p.connected[e.Room] = true
		case recording.EventLeft, recording.EventDropped:
			delete(p.connected, e.Room)
		}
		p.mu.Unlock()
		if next != nil {
			next(e)
		}
	}
}

// awaitEmpty waits atLeast, then until no room is connected or atMost
// has passed, or ctx ends.
func (p *presence) awaitEmpty(ctx context.Context, atLeast, atMost time.Duration) {
	deadline := time.Now().Add(atMost)
	t := time.NewTimer(atLeast)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		p.mu.Lock()
		n := len(p.connected)
		p.mu.Unlock()
		if n == 0 || time.Now().After(deadline) {
			return
		}
		t.Reset(100 * time.Millisecond)
	}
}

// finish builds the report and says what the demo left behind.
func (d *demoMeeting) finish(res botResult, simErr error, e *env, log *slog.Logger) error {
	err := errors.Join(simErr, res.err)
	if res.folder == "" {
		return err
	}
	select {
	case <-e.hard:
		fmt.Fprintf(e.stdout, "samvad demo: stopped at once; the recording is in %s (run `samvad report %s` for the minutes)\n", res.folder, res.folder)
		return err
	default:
	}
	ctx, stop := untilHard(e)
	defer stop()
	report, rerr := buildReport(ctx, res.folder, e, log)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	printSummary(e.stdout, report, d.note)
	// A rehearsal hands the folder over too, if the file says so.
	err = errors.Join(err, handOff(ctx, res.folder, d.file, e, log))
	fmt.Fprintln(e.stdout, res.folder)
	return err
}

// botResult is how the demo's recorder ended.
type botResult struct {
	folder string
	err    error
}

// demoMeeting is the in-memory meeting a demo runs: a copy of the meeting
// file with fresh tokens for every room (the file's may be hashes nobody
// holds) and a schedule moved to now.
type demoMeeting struct {
	file                        *meeting.File
	recorderSecret, staffSecret string
	note                        string // what was changed, for the summary
}

func newDemoMeeting(f *meeting.File) *demoMeeting {
	c := *f
	c.Rooms = slices.Clone(f.Rooms)
	d := &demoMeeting{file: &c, recorderSecret: rand.Text(), staffSecret: rand.Text()}
	c.RecorderToken = meeting.PlainToken(d.recorderSecret)
	c.StaffToken = meeting.PlainToken(d.staffSecret)
	for i := range c.Rooms {
		c.Rooms[i].Token = meeting.PlainToken(rand.Text())
	}
	return d
}

// schedule moves the meeting to start now, in its own time zone, and
// shortens late_after so that the script's late room is late within the
// demo's half minute rather than after the file's ten minutes.
func (d *demoMeeting) schedule(s simulate.Script) {
	m := &d.file.Meeting
	loc := m.StartsAt.Location()
	m.StartsAt = meeting.Time{Time: time.Now().Truncate(time.Millisecond).In(loc)}
	d.note = fmt.Sprintf("starts_at moved to the demo's start (%s)", m.StartsAt.Format("15:04:05"))
	for _, r := range s.Rooms {
		if r.Late && !r.Absent {
			m.LateAfter = meeting.Duration((r.Join / 2).Round(100 * time.Millisecond))
			d.note += fmt.Sprintf(" and late_after to %s, so %s, joining %s in, is late", m.LateAfter.D(), r.Name, r.Join.Round(100*time.Millisecond))
			break
		}
	}
}

// printSummary says who came, who was late or absent, and how much was
// recorded, as the report just built has it.
func printSummary(w io.Writer, report *minutes.Result, note string) {
	sum := report.Summary
	var present, late, absent, dropped, quiet []string
	for _, r := range sum.Rooms {
		if !r.Configured {
			continue
		}
		switch {
		case !r.Attended():
			absent = append(absent, r.Name)
			continue
		case r.Late:
			late = append(late, fmt.Sprintf("%s (joined %s after the start)", r.Name, fmtSeconds(r.FirstJoined.Sub(sum.Meeting.StartsAt))))
		default:
			present = append(present, r.Name)
		}
		if n := len(r.Drops); n > 0 {
			dropped = append(dropped, fmt.Sprintf("%s (%d×)", r.Name, n))
		}
		for _, s := range r.Silent {
			if s.Reason == "digital_silence" {
				quiet = append(quiet, r.Name)
				break
			}
		}
	}
	configured := len(present) + len(late) + len(absent)
	rec := sum.End.Sub(sum.Start)
	fmt.Fprintf(w, "samvad demo: %d of %d rooms attended\n", len(present)+len(late), configured)
	line := func(label string, names []string) {
		if len(names) > 0 {
			fmt.Fprintf(w, "  %-9s %s\n", label+":", strings.Join(names, ", "))
		}
	}
	line("present", present)
	line("late", late)
	line("absent", absent)
	line("dropped", dropped)
	line("silent", quiet)
	fmt.Fprintf(w, "  recorded: %s (%.1f minutes), %d room files\n", fmtSeconds(rec), rec.Minutes(), len(report.Rooms))
	if note != "" {
		fmt.Fprintf(w, "  (demo: %s)\n", note)
	}
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
