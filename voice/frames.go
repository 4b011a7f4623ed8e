package voice

import "time"

// framesFor is the number of 20 ms frames that cover d, rounded up so that
// a requested duration is never cut short; zero for d <= 0.
func framesFor(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + FrameDuration - 1) / FrameDuration)
}
