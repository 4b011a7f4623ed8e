package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/samvad/samvad/minutes"
)

// newProgressBar draws a one-line bar when w is a terminal, and nothing
// otherwise (a log file should not fill with carriage returns).
func newProgressBar(w io.Writer) minutes.Progress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int, what string) {
		const width = 30
		n := 0
		if total > 0 {
			n = done * width / total
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d %-40.40s", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total, what)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
