// Package meetingtest is what the tests of several packages share to run a
// meeting: its signalling server and relay on loopback, a recorder bot run
// in the background, each room's story in its events, and waiting for what
// the meeting's goroutines do.
package meetingtest

import (
	"context"
	"sync"
	"testing"

	"github.com/samvad/samvad/bot"
)

// RunBot runs b in the background until stop, which ends it and returns
// its folder; the test's cleanup stops it too, if the test has not. An
// error from the bot fails the test.
func RunBot(t testing.TB, b *bot.Bot) (stop func() string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string, 1)
	go func() {
		folder, err := b.Run(ctx)
		if err != nil {
			t.Errorf("bot: %v", err)
		}
		done <- folder
	}()
	var once sync.Once
	var folder string
	stop = func() string {
		once.Do(func() { cancel(); folder = <-done })
		return folder
	}
	t.Cleanup(func() { stop() })
	return stop
}
