package activity

import (
	"testing"
	"time"
)

// feed plays levels at 20 ms intervals and returns the turns found, as
// [start, end) packet indexes.
func feed(d *Detector, levels []int) (turns [][2]int) {
	t0 := time.Unix(0, 0)
	start := -1
	for i, l := range levels {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		if d.Level(l, now) {
			if d.Speaking() {
				start = int(d.StartedAt().Sub(t0) / (20 * time.Millisecond))
			} else {
				turns = append(turns, [2]int{start, int(d.LastLoud().Sub(t0)/(20*time.Millisecond)) + 1})
			}
		}
	}
	return turns
}

func repeat(level, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = level
	}
	return out
}

func cat(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTurns(t *testing.T) {
	for _, tc := range []struct {
		name   string
		levels []int
		want   [][2]int
	}{
		{"silence", repeat(127, 200), nil},
		{"noise floor", repeat(65, 200), nil},
		{"one turn", cat(repeat(127, 10), repeat(30, 50), repeat(127, 100)), [][2]int{{10, 60}}},
		{"word gaps stay one turn", cat(repeat(127, 10), repeat(30, 20), repeat(70, 15), repeat(30, 20), repeat(127, 100)), [][2]int{{10, 65}}},
		{"a click is not a turn", cat(repeat(127, 10), repeat(10, 2), repeat(127, 100)), nil},
		{"two turns", cat(repeat(30, 50), repeat(127, 60), repeat(35, 50), repeat(127, 60)), [][2]int{{0, 50}, {110, 160}}},
		{"no extension", repeat(-1, 100), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := feed(&Detector{}, tc.levels)
			if len(got) != len(tc.want) {
				t.Fatalf("turns %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("turn %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestTickEndsTurnWhenPacketsStop(t *testing.T) {
	var d Detector
	t0 := time.Unix(0, 0)
	for i := range 10 {
		d.Level(20, t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	if !d.Speaking() {
		t.Fatal("not speaking after 200 ms of speech")
	}
	if d.Tick(t0.Add(500 * time.Millisecond)) {
		t.Error("turn ended inside the hangover")
	}
	if !d.Tick(t0.Add(2*time.Second)) || d.Speaking() {
		t.Error("turn did not end when packets stopped")
	}
}
