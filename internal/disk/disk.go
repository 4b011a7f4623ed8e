// Package disk says how much space is left for the recording: each system
// has its own call for it (statfs on Linux and macOS, GetDiskFreeSpaceEx on
// Windows), behind the one function Free.
package disk

import "strings"

// volumeQuery is dir as GetDiskFreeSpaceEx wants it: that call takes any
// directory on the volume, but a UNC path (\\server\share\recordings, a
// recording folder on the office's file server) only with a trailing
// backslash. Every other form takes one too, so it is always added. It is
// here, not in the Windows file, so that the tests on every system check it.
func volumeQuery(dir string) string {
	if strings.HasSuffix(dir, `\`) || strings.HasSuffix(dir, "/") {
		return dir
	}
	return dir + `\`
}
