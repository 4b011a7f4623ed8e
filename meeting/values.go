package meeting

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as in Go ("10m", "1h30m").
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration reads a Go duration ("10m", "1h30m"), refusing negative
// ones: the meeting file's rule, and the manifest's and the welcome's.
func ParseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want a duration like 10m or 1h30m", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return Duration(v), nil
}

// String writes the duration in Go notation ("10m0s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts Go duration strings and refuses negative ones.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration like 10m or 1h30m")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration back in Go notation.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes the duration as a JSON string in Go notation, as the
// manifest's meeting snapshot holds it.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads what MarshalJSON writes, with ParseDuration's rules.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration like \"10m\": %w", err)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

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
