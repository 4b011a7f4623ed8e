package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
)

// TestRunRehearsal: `samvad run` on a meeting file whose starts_at is long
// past (configs/demo.yaml, 21 Nov 2023) says it is a rehearsal, times
// lateness from its own start (a room joining at once is not "late by
// 26565h13m08s"), and records into a folder named for today.
func TestRunRehearsal(t *testing.T) {
	data, err := os.ReadFile("../../configs/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cfg := strings.Replace(string(data), `listen: "127.0.0.1:8080"`, `listen: "127.0.0.1:0"`, 1)
	cfg = strings.Replace(cfg, "recording: {dir: recordings,", "recording: {dir: "+out+",", 1)
	config := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "--config", config}, e) }()

	wait := func(what string, re *regexp.Regexp) []string {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if m := re.FindStringSubmatch(stdout.String()); m != nil {
				return m
			}
		}
		cancel()
		t.Fatalf("no %s in the output:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
		return nil
	}
	base := wait("roll-call link", regexp.MustCompile(`roll call: +(http://127\.0\.0\.1:\d+)/rollcall`))[1]
	// The recorder must be in before the room, to see it join.
	wait("recorder", regexp.MustCompile(`recording .* into `))
	time.Sleep(500 * time.Millisecond)
	c, err := signaling.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws",
		signaling.Message{Meeting: "demo", Role: signaling.RoleRoom, Room: "ranchi", Token: "demo-ranchi"})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer c.Close()
	joined := wait("join", regexp.MustCompile(`Ranchi joined.*`))[0]
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}

	said := stdout.String()
	if !regexp.MustCompile(`samvad: rehearsal: the meeting file's starts_at \(Tue 21 Nov 2023 14:00 \+05:30\) is \d+ days past, so this is a rehearsal: lateness is timed from its start, \d\d:\d\d:\d\d \+05:30`).MatchString(said) {
		t.Errorf("run does not say it is a rehearsal:\n%s", said)
	}
	if strings.Contains(joined, "late") {
		t.Errorf("a room joining at the rehearsal's start: %q", joined)
	}
	lines := strings.Split(strings.TrimSpace(said), "\n")
	folder := lines[len(lines)-1]
	m, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatalf("last line %q: %v", folder, err)
	}
	ist := m.Meeting.Location()
	if got, want := filepath.Base(folder), start.In(ist).Format(time.DateOnly)+"-demo"; got != want {
		t.Errorf("rehearsal recorded into %s, want %s", got, want)
	}
	if d := m.Meeting.StartsAt.Sub(start); d < -time.Millisecond || d > 5*time.Second { // starts_at is to the millisecond
		t.Errorf("meeting.json's starts_at %v, %v after the rehearsal started", m.Meeting.StartsAt, d)
	}
}

// TestRehearse: only a starts_at more than half a day past makes a
// rehearsal; a meeting running late is not one.
func TestRehearse(t *testing.T) {
	f, err := meeting.Parse("m.yaml", []byte("meeting: {id: m, title: T, starts_at: 2023-11-21T14:00:00+05:30, demo: true}\nrecorder_token: {plain: r}\nstaff_token: {plain: s}\nrooms: [{id: a, kind: district, name: A, token: {plain: a}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	was := f.Meeting.StartsAt.Time
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{
		{-time.Hour, ""}, {2 * time.Hour, ""}, {12 * time.Hour, ""},
		{13 * time.Hour, "is 13 hours past"}, {3 * 24 * time.Hour, "is 3 days past"},
	} {
		g := *f
		note := rehearse(&g, was.Add(tc.after))
		if tc.want == "" {
			if note != "" || !g.Meeting.StartsAt.Equal(was) {
				t.Errorf("%v after starts_at: %q, starts_at %v", tc.after, note, g.Meeting.StartsAt)
			}
			continue
		}
		if !strings.Contains(note, tc.want) || !g.Meeting.StartsAt.Equal(was.Add(tc.after)) {
			t.Errorf("%v after starts_at: %q, starts_at %v", tc.after, note, g.Meeting.StartsAt)
		}
		if _, off := g.Meeting.StartsAt.Zone(); off != 5*3600+1800 {
			t.Errorf("the moved starts_at left the meeting's zone: %v", g.Meeting.StartsAt)
		}
	}
}
