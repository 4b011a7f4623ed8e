package meeting

import (
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as in Go ("10m", "1h30m").
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Go duration strings and refuses negative ones.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration like 10m or 1h30m")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("bad duration %q: want a duration like 10m or 1h30m", n.Value)
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in Go notation.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Time is an RFC 3339 instant with an explicit UTC offset.
type Time struct{ time.Time }

// UnmarshalYAML accepts only full RFC 3339 times: a meeting time without an
// offset would be read in whatever zone the server happens to run in.
func (t *Time) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a time like 2023-11-21T14:00:00+05:30")
	}
	v, err := time.Parse(time.RFC3339, n.Value)
	if err != nil {
		return fmt.Errorf("bad time %q: want RFC 3339 with offset, like 2023-11-21T14:00:00+05:30", n.Value)
	}
	t.Time = v
	return nil
}

// MarshalYAML writes the time back in RFC 3339.
func (t Time) MarshalYAML() (any, error) { return t.Format(time.RFC3339), nil }

// MarshalJSON writes the time in RFC 3339.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.Format(time.RFC3339) + `"`), nil
}
