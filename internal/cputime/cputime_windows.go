package cputime

import (
	"time"

	"golang.org/x/sys/windows"
)

// Process is the CPU time the process has used so far, or 0 if the system
// does not say.
func Process() time.Duration {
	var creation, exit, kernel, user windows.Filetime
	if windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user) != nil {
		return 0
	}
	return ticks(kernel) + ticks(user)
}

// ticks is a FILETIME read as a duration: it counts 100 ns.
func ticks(f windows.Filetime) time.Duration {
	return time.Duration(int64(f.HighDateTime)<<32|int64(f.LowDateTime)) * 100
}
