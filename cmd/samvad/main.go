// Command samvad runs an online meeting between a party's leadership and
// its district committees, records it, and leaves the minutes folder for
// the secretaries. See README.md and ../../shared DESIGN for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	hard := make(chan struct{})
	sigs := watchSignals(cancel, hard, os.Stderr)
	err := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, hard: hard, terminal: isTerminal(os.Stdout)})
	sigs.Close()
	cancel()
	if errors.Is(err, errUsage) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "samvad:", err)
		os.Exit(1)
	}
}
