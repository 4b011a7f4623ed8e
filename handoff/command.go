package handoff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// maxOutput bounds what is kept of a command's output: the end, where a
// failing program says why.
const maxOutput = 64 << 10

// CommandResult is how the command ended.
type CommandResult struct {
	ExitCode int
	// Output is the end of what it wrote to stdout and stderr, together.
	Output   string
	Duration time.Duration
}

// runCommand runs argv with the folder's path as its last argument and
// waits for it, at most timeout. A failure is an error that says how it
// ended.
func runCommand(ctx context.Context, argv []string, dir string, timeout time.Duration) (CommandResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := append(append([]string(nil), argv[1:]...), dir)
	cmd := exec.CommandContext(ctx, argv[0], args...)
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A program that leaves a child holding its output open is not waited
	// for past this.
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	// ExitCode is -1 for a program that never ran or was killed.
	res := CommandResult{ExitCode: cmd.ProcessState.ExitCode(), Output: out.String(), Duration: time.Since(start)}
	switch {
	case err == nil:
		return res, nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return res, fmt.Errorf("command %s: %w after %s", argv[0], ErrTimeout, timeout)
	case ctx.Err() != nil:
		return res, fmt.Errorf("command %s: stopped: %w", argv[0], ctx.Err())
	case res.ExitCode > 0:
		return res, fmt.Errorf("command %s: exit status %d%s", argv[0], res.ExitCode, lastLine(res.Output))
	}
	return res, fmt.Errorf("command %s: %w%s", argv[0], err, lastLine(res.Output))
}

// lastLine is the last non-empty line of a program's output, for the one
// line a roll call shows.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if l == "" {
		return ""
	}
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return ": " + l
}

// tailBuffer keeps the last maxOutput bytes written to it; stdout and
// stderr write to it from two goroutines.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) > maxOutput {
		p, t.cut = p[len(p)-maxOutput:], true
		t.buf.Reset()
	}
	if over := t.buf.Len() + len(p) - maxOutput; over > 0 {
		t.buf.Next(over)
		t.cut = true
	}
	t.buf.Write(p)
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cut {
		return "…" + t.buf.String()
	}
	return t.buf.String()
}

// ErrTimeout: a part of the hand-off took longer than it may.
var ErrTimeout = errors.New("timed out")
