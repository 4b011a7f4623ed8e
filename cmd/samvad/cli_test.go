package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpShowsArguments: each command's --help says what it takes, its
// arguments as well as its flags: `samvad report --help` says DIR.
func TestHelpShowsArguments(t *testing.T) {
	for _, c := range commands() {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
		if err := run(context.Background(), []string{c.name, "--help"}, e); err != nil {
			t.Errorf("%s --help: %v", c.name, err)
		}
		if want := "usage: samvad " + c.name + " " + c.args + "\n"; !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("%s --help starts %q, want %q", c.name, stderr.String(), want)
		}
	}
	var stderr bytes.Buffer
	run(context.Background(), []string{"report", "--help"}, &env{stdout: &bytes.Buffer{}, stderr: &stderr, hard: make(chan struct{})})
	if !strings.Contains(stderr.String(), "DIR") || !strings.Contains(stderr.String(), "-v") {
		t.Errorf("samvad report --help does not say it takes DIR and -v:\n%s", stderr.String())
	}
}
