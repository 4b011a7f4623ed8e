package minutes

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/samvad/samvad/recording"
)

// MixFile is the whole meeting mixed, in the folder's root (made by the
// mixer, not here: the minutes only link to it when it is there).
const MixFile = "mix.ogg"

// secretaryFiles are what writeMinutes makes, in order, for progress.
var secretaryFiles = []string{AttendanceFile, MinutesFile, PageFile}

// writeMinutes renders attendance.csv, minutes.md and minutes.html from the
// summary and writes each atomically (a rebuild replaces a file only once
// the new one is whole). It links to the audio files that exist now, so it
// runs after the rooms and the mix are written. step is told each file
// before it is written.
func writeMinutes(f *recording.Folder, s Summary, step func(i int, name string)) error {
	have := files{Mix: exists(f, MixFile), Rooms: map[string]bool{}}
	for _, r := range s.Rooms {
		have.Rooms[r.ID] = recording.ValidRoomID(r.ID) && exists(f, path.Join(recording.RoomsDir, r.ID+".ogg"))
	}
	page, err := minutesHTML(s, have)
	if err != nil {
		return fmt.Errorf("%s: %w", PageFile, err)
	}
	out := map[string][]byte{
		AttendanceFile: attendanceCSV(s),
		MinutesFile:    minutesMD(s, have),
		PageFile:       page,
	}
	for i, name := range secretaryFiles {
		step(i, name)
		if err := recording.WriteFileAtomic(f.Root, name, out[name]); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// exists: a non-empty regular file (a mix cut off before its first page
// is nothing to play).
func exists(f *recording.Folder, name string) bool {
	fi, err := fs.Stat(f.Root.FS(), name)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}
