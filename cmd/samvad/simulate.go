package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/simulate"
)

func runSimulate(ctx context.Context, args []string, e *env) error {
	fs := newFlags("simulate", e)
	wsURL := fs.String("url", "", "the meeting server, ws(s)://HOST/ws (http(s)://HOST also works)")
	config := fs.String("config", "", "meeting file (YAML): the rooms and their tokens")
	sf := addScriptFlags(fs, simulate.DefaultDuration, simulate.DefaultPauseFor)
	listen := fs.Int("listen", 0, "how many rooms hear the meeting (the host first; -1: all); the others only send")
	report := fs.String("report", "", "after the run, read the recording in DIR (the bot's --out folder or one recording in it) and report, per room, packets sent, received by the recorder and lost on the way to its files, and join times")
	probe := fs.String("probe", "", "the rooms send tone bursts, one room after another, instead of speaking, and log when each burst was captured to FILE (JSON lines); bench/align compares them with the recording")
	nodes := fs.String("livekit-url", "", "with a LiveKit meeting: LiveKit nodes the rooms join through, url,url,... (default: the one the server grants); the rooms spread over them, and one that joins again takes the next")
	verbose := fs.Bool("v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wsURL == "" || *config == "" {
		fs.Usage()
		return errors.New("simulate needs --url and --config")
	}
	u, err := websocketURL(*wsURL)
	if err != nil {
		return err
	}
	f, err := meeting.Load(*config)
	if err != nil {
		return err
	}
	opts, err := sf.options(f)
	if err != nil {
		return err
	}
	opts.Listen = *listen
	opts.Probe = *probe != ""
	script, err := simulate.Build(f, opts)
	if err != nil {
		return err
	}
	out := &lockedWriter{w: e.stdout}
	printPlan(out, script)
	log := newLogger(e, *verbose)
	cfg := simulate.Config{
		URL:    u,
		Logger: log,
		// Loopback too: a rehearsal often runs on the server's own machine.
		Loopback: true,
		OnStep:   stepPrinter(out, f.Location()),
	}
	if f.IsLiveKit() {
		livekit.SetProcessLogger(log)
		var urls []string
		if *nodes != "" {
			urls = strings.Split(*nodes, ",")
		}
		cfg.Join = liveKitRooms(u, f.Meeting.ID, nil, urls, log)
		cfg.LeaveSpread = time.Second
	}
	if *probe != "" {
		bursts, err := os.Create(*probe)
		if err != nil {
			return fmt.Errorf("--probe: %w", err)
		}
		defer bursts.Close()
		enc := json.NewEncoder(bursts)
		cfg.OnBurst = func(b simulate.Burst) {
			if err := enc.Encode(b); err != nil {
				log.Error("probe log", "err", err)
			}
		}
	}
	r, err := simulate.Start(ctx, script, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "samvad simulate: %d rooms into %q at %s for %s (Ctrl-C ends it early)\n", joining(script), script.Meeting, u, script.Duration)
	stats, err := r.Wait()
	printStats(out, stats)
	if *report != "" {
		rep, rerr := simulate.ReadReport(*report, stats, 20*time.Second)
		if rerr != nil {
			return errors.Join(err, fmt.Errorf("--report: %w", rerr))
		}
		printReport(out, rep)
	}
	return err
}

// printReport is the recorder's view of the simulated rooms: a row per
// room, then the totals on one line of key=value pairs for scripts.
func printReport(w io.Writer, rep *simulate.Report) {
	fmt.Fprintf(w, "\nrecording %s:\n", rep.Folder)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "room\tsent\treceived\trecorder lost\tlate\tinvalid\tdrift dropped\tconcealed\tdrift\tsegments\tjoin→audio\t")
	for _, r := range rep.Rooms {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", r.Room, r.Sent, r.Received, r.RecorderLoss(),
			r.Late, r.Invalid, r.DriftDropped, r.Concealed, r.Drift, r.Segments, r.JoinToAudio().Round(time.Millisecond))
	}
	tw.Flush()
	s := rep.Summary()
	lastAudio := time.Duration(0)
	if !s.FirstJoin.IsZero() && !s.LastAudio.IsZero() {
		lastAudio = s.LastAudio.Sub(s.FirstJoin)
	}
	fmt.Fprintf(w, "report: rooms=%d recorded=%d sent=%d received=%d recorder_lost=%d late=%d invalid=%d drift_dropped=%d filler=%d concealed=%d drift=%d "+
		"open_segments=%d join_median_ms=%d join_max_ms=%d slowest=%s last_audio_after_s=%.1f\n",
		s.Rooms, s.Recorded, s.Sent, s.Received, s.RecorderLoss, s.Late, s.Invalid, s.DriftDropped, s.Filler, s.Concealed, s.Drift,
		s.OpenSegments, s.JoinMedian.Milliseconds(), s.JoinMax.Milliseconds(), s.SlowestRoom, lastAudio.Seconds())
}

// scriptFlags are the flags simulate and demo share: which rooms, how long,
// and what goes wrong.
type scriptFlags struct {
	rooms                     *string
	duration                  *time.Duration
	loss                      *float64
	jitter, delay             *time.Duration
	reorder                   *float64
	late, silent, pause, drop *string
	absent                    *string
	pauseFor, dropFor         *time.Duration
	seed                      *uint64
}

func addScriptFlags(fs *flag.FlagSet, duration, pauseFor time.Duration) *scriptFlags {
	const pick = " (a room id, auto: a district, none)"
	return &scriptFlags{
		rooms:    fs.String("rooms", "", "rooms that take part: N (the file's first N) or id,id,... (default all)"),
		duration: fs.Duration("duration", duration, "length of the simulated meeting"),
		loss:     fs.Float64("loss", 0.01, "fraction of every room's packets lost on the way"),
		jitter:   fs.Duration("jitter", 80*time.Millisecond, fmt.Sprintf("now and then hold a room's packets back up to this long (max %s)", simulate.MaxJitter)),
		delay:    fs.Duration("delay", 0, fmt.Sprintf("every packet takes a random 0 to this long on the way, in order (max %s)", simulate.MaxDelay)),
		reorder:  fs.Float64("reorder", 0, "fraction of every room's packets that arrive after the next one"),
		late:     fs.String("late", simulate.Auto, "room that joins a third of the way in"+pick),
		absent:   fs.String("absent", simulate.Auto, "rooms that never join: id,id,..."+pick),
		silent:   fs.String("silent", simulate.Auto, "room that is connected but sends only silence"+pick),
		pause:    fs.String("pause", simulate.Auto, "room that turns its microphone off for --pause-for"+pick),
		drop:     fs.String("drop", simulate.Auto, "room whose connection drops halfway and comes back after --drop-for"+pick),
		pauseFor: fs.Duration("pause-for", pauseFor, pauseHelp(pauseFor)),
		dropFor:  fs.Duration("drop-for", 0, "how long the dropped room is away (default duration/12, at least 2s)"),
		seed:     fs.Uint64("seed", 1, "varies loss and jitter; the same seed plays the same meeting"),
	}
}

func pauseHelp(d time.Duration) string {
	const h = "how long the pausing room's microphone is off"
	if d == 0 {
		// demo: see runDemo.
		return h + " (default: the recorder's silence alarm, duration/10 within 2s..10s, plus 2.5s)"
	}
	return h + ": longer than the recorder's silence alarm (10s) for it to show"
}

func (sf *scriptFlags) options(f *meeting.File) (simulate.Options, error) {
	rooms, err := simulate.ParseRooms(f, *sf.rooms)
	if err != nil {
		return simulate.Options{}, err
	}
	o := simulate.Options{
		Rooms: rooms, Duration: *sf.duration, Loss: *sf.loss, Jitter: *sf.jitter, Delay: *sf.delay, Reorder: *sf.reorder,
		Late: *sf.late, Silent: *sf.silent, Pause: *sf.pause, Drop: *sf.drop,
		PauseFor: *sf.pauseFor, DropFor: *sf.dropFor, Seed: *sf.seed,
	}
	for _, id := range strings.Split(*sf.absent, ",") {
		if id = strings.TrimSpace(id); id != "" {
			o.Absent = append(o.Absent, id)
		}
	}
	return o, nil
}

// websocketURL accepts the server's websocket URL, or its http(s) address.
func websocketURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--url %q: want ws://HOST/ws or wss://HOST/ws", s)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("--url %q: want ws://HOST/ws or wss://HOST/ws", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

func joining(s simulate.Script) int {
	n := 0
	for _, r := range s.Rooms {
		if !r.Absent {
			n++
		}
	}
	return n
}

// printPlan says who does what out of the ordinary, before it happens.
func printPlan(w io.Writer, s simulate.Script) {
	var absent []string
	for _, r := range s.Rooms {
		var what []string
		switch {
		case r.Absent:
			absent = append(absent, r.ID)
			continue
		case r.Late:
			what = append(what, fmt.Sprintf("joins late, at %s", r.Join.Round(100*time.Millisecond)))
		}
		if r.Silent {
			what = append(what, "sends only silence")
		}
		for _, p := range r.Pauses {
			what = append(what, fmt.Sprintf("microphone off from %s for %s", p.At.Round(100*time.Millisecond), p.For.Round(100*time.Millisecond)))
		}
		for _, d := range r.Drops {
			what = append(what, fmt.Sprintf("drops at %s, back %s later", d.At.Round(100*time.Millisecond), d.For.Round(100*time.Millisecond)))
		}
		if len(what) > 0 {
			fmt.Fprintf(w, "  plan: %-12s %s\n", r.ID, strings.Join(what, "; "))
		}
	}
	if len(absent) > 0 {
		fmt.Fprintf(w, "  plan: absent       %s\n", strings.Join(absent, ", "))
	}
	if len(s.Rooms) > 0 {
		if r := s.Rooms[0]; r.Jitter > 0 {
			fmt.Fprintf(w, "  plan: every room loses %.1f%% of its packets and now and then holds them up to %s\n", 100*r.Loss, r.Jitter)
		}
		if r := s.Rooms[0]; r.Jitter == 0 && r.Loss > 0 {
			fmt.Fprintf(w, "  plan: every room loses %.1f%% of its packets\n", 100*r.Loss)
		}
		if r := s.Rooms[0]; r.Delay > 0 || r.Reorder > 0 {
			fmt.Fprintf(w, "  plan: every packet takes 0 to %s on the way, %.1f%% arrive after the next\n", r.Delay, 100*r.Reorder)
		}
	}
}

// stepPrinter prints each step the rooms play, one line each, with the
// time of day in the meeting's time zone as the recorder's roll call does.
func stepPrinter(w io.Writer, loc *time.Location) func(simulate.Step) {
	return func(s simulate.Step) {
		fmt.Fprintf(w, "%s sim %s\n", time.Now().In(loc).Format("15:04:05"), s)
	}
}

// printStats is what each room sent, as a table.
func printStats(w io.Writer, stats []simulate.RoomStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	listening := false
	for _, s := range stats {
		listening = listening || s.Listen
	}
	heard := ""
	if listening {
		heard = "heard\t"
	}
	fmt.Fprintln(tw, "room\tjoins\tdrops\tfailures\tsent\tlost\theld\tlate\t"+heard)
	for _, s := range stats {
		if s.Joins == 0 && s.Failures == 0 && s.Err == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t", s.Room, s.Joins, s.Drops, s.Failures, s.Sent, s.Lost, s.Held, s.Late)
		if listening {
			fmt.Fprintf(tw, "%d\t", s.Received)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// lockedWriter serializes lines written from many goroutines (the rooms,
// the bot's roll call).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
