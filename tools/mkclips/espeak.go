package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// speak has espeak-ng say text with voice into a WAV file in a temporary
// directory, and returns the samples and their rate. A file rather than
// --stdout, because espeak-ng cannot fill in the WAV lengths on a pipe.
func speak(espeak, voice, text string) ([]float32, int, error) {
	dir, err := os.MkdirTemp("", "mkclips")
	if err != nil {
		return nil, 0, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	wav := filepath.Join(dir, "out.wav")
	var stderr bytes.Buffer
	cmd := exec.Command(espeak, "-v", voice, "-w", wav, text)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w: %s", espeak, err, bytes.TrimSpace(stderr.Bytes()))
	}
	b, err := os.ReadFile(wav)
	if err != nil {
		return nil, 0, fmt.Errorf("read espeak-ng output: %w", err)
	}
	pcm, rate, err := parseWAV(b)
	if err != nil {
		return nil, 0, fmt.Errorf("espeak-ng output: %w", err)
	}
	return pcm, rate, nil
}
