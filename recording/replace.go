package recording

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrFileInUse is returned when a new file could not take the place of the
// old one because another program has the old one open. Only Windows
// refuses that (a secretary's attendance.csv open in Excel, mix.ogg in a
// player, a virus scanner reading a fresh file); Linux and macOS replace
// the name and leave the reader its old copy.
var ErrFileInUse = errors.New("the file is open in another program")

// replaceWait is how long Replace keeps trying while a file is in use: a
// virus scanner or an indexer lets go within it; Excel or a player does not,
// and then the user is told.
const replaceWait = 3 * time.Second

// Replace renames tmp to name, both in root, over any old name. On Windows
// a rename over a file another program holds open fails; Replace tries
// again for a few seconds and then returns an error wrapping ErrFileInUse,
// with the old file as it was and tmp kept, holding the new content: a
// rebuild is never lost to a reader.
func Replace(root *os.Root, tmp, name string) error {
	return newReplacer(root).replace(tmp, name)
}

func newReplacer(root *os.Root) replacer {
	return replacer{rename: root.Rename, inUse: renameInUse, sleep: time.Sleep, wait: replaceWait}
}

// replacer is Replace's rename step and its rule for trying again, apart
// from the system, so that the tests on every system check the Windows rule.
type replacer struct {
	rename func(oldname, newname string) error
	// inUse reports whether a rename failed because a file is open
	// elsewhere (renameInUse: never outside Windows).
	inUse func(error) bool
	sleep func(time.Duration)
	wait  time.Duration
}

func (r replacer) replace(tmp, name string) error {
	pause, waited := 10*time.Millisecond, time.Duration(0)
	for {
		err := r.rename(tmp, name)
		if err == nil {
			return nil
		}
		if !r.inUse(err) {
			return fmt.Errorf("replace %s: %w", name, err)
		}
		if waited >= r.wait {
			return fmt.Errorf("replace %s: %w (the new one is kept as %s): %w", name, ErrFileInUse, tmp, err)
		}
		r.sleep(pause)
		waited += pause
		pause = min(2*pause, 500*time.Millisecond)
	}
}
