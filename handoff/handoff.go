// Package handoff delivers a finished recording folder as the meeting
// file's recording.on_finished says, once its minutes are built: it runs
// a command with the folder's path, POSTs a signed summary to a webhook,
// and copies the folder into an S3 bucket, verifying every object's
// SHA-256. The three parts run at once and independently; each outcome is
// appended to the folder's events.jsonl and printed on the roll call. The
// hand-off only ever reads the recording: a failure costs the folder
// nothing, and `samvad report DIR --hand-off` tries again.
package handoff

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// The parts of a hand-off, as events.jsonl's "target" names them.
const (
	TargetCommand = "command"
	TargetWebhook = "webhook"
	TargetS3      = "s3"
)

// DefaultCommandTimeout bounds the command: copying a meeting to a share
// takes minutes, not hours.
const DefaultCommandTimeout = time.Hour

// Config is what to hand off, and how patiently.
type Config struct {
	OnFinished meeting.OnFinished
	Logger     *slog.Logger
	// RollCall gets one readable line per outcome, as the roll call prints
	// its changes; nil discards them.
	RollCall io.Writer
	// Retry paces the webhook's attempts and the S3 upload's passes.
	Retry Retry
	// CommandTimeout bounds the command; default DefaultCommandTimeout.
	CommandTimeout time.Duration
	// Progress, when set, is told how far each S3 object's upload has come.
	Progress Progress
	// HTTPClient sends the webhook; default: 30 s a try, no redirects.
	HTTPClient *http.Client
}

// Outcome is how one part of the hand-off ended.
type Outcome struct {
	Target string
	// At is when it ended: the command exited, the receiver answered, the
	// last object was verified, or the last attempt failed.
	At      time.Time
	Err     error
	Command *CommandResult
	Webhook *WebhookResult
	S3      *S3Result
}

// Run hands the folder dir off and waits until every part has ended. It
// returns each part's outcome and, joined, the failures; a folder that is
// no finished recording is refused before anything runs.
func Run(ctx context.Context, dir string, cfg Config) ([]Outcome, error) {
	o := cfg.OnFinished
	if !o.Any() {
		return nil, nil
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	man, err := recording.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("hand-off: %w", err)
	}
	if man.EndedAt().IsZero() {
		return nil, fmt.Errorf("hand-off: %s: %w", dir, recording.ErrUnfinished)
	}
	h := &run{cfg: cfg, dir: dir, loc: man.Meeting.Location(), log: log.With("component", "handoff", "folder", dir)}
	// The command needs only the folder's path; the others deliver its
	// files, read and checked once for both.
	folder, readErr := ReadFolder(dir)

	var wg sync.WaitGroup
	part := func(target string, fn func() Outcome) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := fn()
			out.Target = target
			h.record(out)
		}()
	}
	if len(o.Command) > 0 {
		part(TargetCommand, func() Outcome { return h.command(ctx) })
	}
	if o.Webhook != nil {
		part(TargetWebhook, func() Outcome {
			if readErr != nil {
				return Outcome{At: time.Now(), Err: readErr}
			}
			return h.webhook(ctx, folder)
		})
	}
	if o.S3 != nil {
		part(TargetS3, func() Outcome {
			if readErr != nil {
				return Outcome{At: time.Now(), Err: readErr}
			}
			return h.s3(ctx, folder)
		})
	}
	wg.Wait()
	return h.outcomes, errors.Join(h.errs...)
}

// run is one hand-off of one folder.
type run struct {
	cfg Config
	dir string
	loc *time.Location
	log *slog.Logger

	mu       sync.Mutex
	outcomes []Outcome
	errs     []error
}

func (h *run) command(ctx context.Context) Outcome {
	timeout := h.cfg.CommandTimeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	res, err := runCommand(ctx, h.cfg.OnFinished.Command, h.dir, timeout)
	return Outcome{At: time.Now(), Err: err, Command: &res}
}

func (h *run) webhook(ctx context.Context, f *Folder) Outcome {
	w := h.cfg.OnFinished.Webhook
	sum, err := Summarize(f)
	if err != nil {
		return Outcome{At: time.Now(), Err: fmt.Errorf("webhook summary: %w", err)}
	}
	body, err := json.Marshal(sum)
	if err != nil {
		return Outcome{At: time.Now(), Err: fmt.Errorf("webhook summary: %w", err)}
	}
	secret, _ := w.Secret.Secret()
	client := h.cfg.HTTPClient
	if client == nil {
		client = webhookClient()
	}
	res, err := sendWebhook(ctx, client, w.URL, secret, body, rand.Text(), h.cfg.Retry, h.log)
	return Outcome{At: time.Now(), Err: err, Webhook: &res}
}

func (h *run) s3(ctx context.Context, f *Folder) Outcome {
	u, err := newUploader(*h.cfg.OnFinished.S3, h.log, h.cfg.Progress)
	if err != nil {
		return Outcome{At: time.Now(), Err: err}
	}
	res, err := u.upload(ctx, f, h.cfg.Retry)
	return Outcome{At: time.Now(), Err: err, S3: &res}
}

// record keeps an outcome, logs it, prints it on the roll call and appends
// it to events.jsonl, one at a time so lines never interleave.
func (h *run) record(out Outcome) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.outcomes = append(h.outcomes, out)
	ev := recording.Event{At: out.At, Event: recording.EventHandoffDone, Target: out.Target, Text: h.text(out)}
	if out.Err != nil {
		ev.Event = recording.EventHandoffFailed
		ev.Reason = out.Err.Error()
		h.errs = append(h.errs, fmt.Errorf("hand-off %s: %w", out.Target, out.Err))
	}
	ev.Stats, _ = json.Marshal(h.details(out))
	attrs := []any{"target", out.Target}
	if c := out.Command; c != nil {
		attrs = append(attrs, "exit_code", c.ExitCode, "output", tail(c.Output, 4<<10))
	}
	if out.Err != nil {
		h.log.Error("hand-off failed", append(attrs, "err", out.Err)...)
	} else {
		h.log.Info("hand-off done", attrs...)
	}
	if h.cfg.RollCall != nil {
		fmt.Fprintf(h.cfg.RollCall, "%s %s\n", out.At.In(h.loc).Format("15:04:05"), ev.Text)
	}
	if err := recording.AppendEvents(h.dir, ev); err != nil {
		h.log.Error("hand-off outcome not written to the event log", "target", out.Target, "err", err)
		h.errs = append(h.errs, err)
	}
}

// details are the event's "stats": what an operator needs to see what
// happened without the log.
func (h *run) details(out Outcome) map[string]any {
	d := map[string]any{}
	switch {
	case out.Command != nil:
		d["exit_code"] = out.Command.ExitCode
		d["duration_ms"] = out.Command.Duration.Milliseconds()
		d["output"] = tail(out.Command.Output, 1<<10)
	case out.Webhook != nil:
		d["url"] = Redact(h.cfg.OnFinished.Webhook.URL)
		d["attempts"] = out.Webhook.Attempts
		d["status"] = out.Webhook.Status
	case out.S3 != nil:
		d["bucket"] = h.cfg.OnFinished.S3.Bucket
		d["prefix"] = h.cfg.OnFinished.S3.Prefix
		d["uploaded"] = out.S3.Uploaded
		d["skipped"] = out.S3.Skipped
		d["bytes"] = out.S3.Bytes
		d["passes"] = out.S3.Passes
	}
	return d
}

// text is the outcome's roll-call line, in English and Hindi.
func (h *run) text(out Outcome) string {
	if out.Err != nil {
		return fmt.Sprintf("hand-off FAILED (%s): %v · हस्तांतरण विफल (%s)", out.Target, out.Err, hindiTarget[out.Target])
	}
	switch {
	case out.Command != nil:
		return fmt.Sprintf("hand-off: command %s done in %s · हस्तांतरण: कमांड पूरी हुई",
			h.cfg.OnFinished.Command[0], out.Command.Duration.Round(time.Millisecond))
	case out.Webhook != nil:
		return fmt.Sprintf("hand-off: webhook %s received the summary (HTTP %d, attempt %d) · हस्तांतरण: वेबहुक को सारांश मिला",
			Redact(h.cfg.OnFinished.Webhook.URL), out.Webhook.Status, out.Webhook.Attempts)
	case out.S3 != nil:
		return fmt.Sprintf("hand-off: %d files in %s, every checksum verified (%d sent, %d there already) · हस्तांतरण: सभी फ़ाइलें S3 में, जाँची गईं",
			out.S3.Uploaded+out.S3.Skipped, h.cfg.OnFinished.S3, out.S3.Uploaded, out.S3.Skipped)
	}
	return "hand-off: " + out.Target + " done · हस्तांतरण पूरा"
}

var hindiTarget = map[string]string{TargetCommand: "कमांड", TargetWebhook: "वेबहुक", TargetS3: "S3"}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
