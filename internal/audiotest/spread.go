package audiotest

import (
	"slices"
	"time"
)

// Spread is the median, the 99th percentile by absolute value and the
// worst (largest absolute value) of errs, as the alignment figures give
// them; all zero for none.
func Spread(errs []time.Duration) (med, p99, worst time.Duration) {
	if len(errs) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(errs)
	slices.Sort(s)
	med = s[len(s)/2]
	slices.SortFunc(s, func(a, b time.Duration) int { return int(a.Abs() - b.Abs()) })
	return med, s[min(len(s)-1, len(s)*99/100)], s[len(s)-1]
}
