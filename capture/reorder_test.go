package capture

import (
	"testing"
	"time"
)

func TestSeqUnwrap(t *testing.T) {
	var u unwrapper[uint16]
	in := []uint16{65533, 65535, 65534, 0, 2, 1, 65535, 3}
	want := []int64{65533, 65535, 65534, 65536, 65538, 65537, 65535, 65539}
	for i, v := range in {
		if got := u.unwrap(v); got != want[i] {
			t.Errorf("step %d: unwrap(%d) = %d, want %d", i, v, got, want[i])
		}
	}
}

func TestTSUnwrap(t *testing.T) {
	var u unwrapper[uint32]
	start := uint32(1<<32 - 960)
	in := []uint32{start, start + 960, start + 1920, start + 960, start + 1920}
	base := int64(start)
	want := []int64{base, base + 960, base + 1920, base + 960, base + 1920}
	for i, v := range in {
		if got := u.unwrap(v); got != want[i] {
			t.Errorf("step %d: unwrap(%d) = %d, want %d", i, v, got, want[i])
		}
	}
}

func TestReorder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type step struct {
		seq  int64 // -1: only advance time to ms
		ms   int
		want insertResult
		out  []int64 // sequence numbers released after this step
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{10, 0, inserted, []int64{10}}, {11, 20, inserted, []int64{11}}}},
		{"swap", []step{{10, 0, inserted, []int64{10}}, {12, 20, inserted, nil}, {11, 25, inserted, []int64{11, 12}}}},
		{"duplicate held and released", []step{
			{10, 0, inserted, []int64{10}}, {12, 20, inserted, nil}, {12, 21, duplicate, nil},
			{11, 30, inserted, []int64{11, 12}}, {11, 40, duplicate, nil}, {10, 41, duplicate, nil},
		}},
		{"loss given up after hold", []step{
			{10, 0, inserted, []int64{10}}, {12, 40, inserted, nil}, {13, 60, inserted, nil},
			{-1, 159, 0, nil}, {-1, 160, 0, []int64{12, 13}}, {11, 170, late, nil},
		}},
		{"far ahead", []step{{10, 0, inserted, []int64{10}}, {10 + reorderSlots + 1, 20, tooFar, nil}}},
		{"far behind", []step{{5000, 0, inserted, []int64{5000}}, {5000 - lateWindow - 1, 20, tooFar, nil}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReorder(120 * time.Millisecond)
			for i, s := range c.steps {
				if s.seq >= 0 {
					if got := r.insert(s.seq, s.seq*960, []byte{0xF8, byte(s.seq)}, 960, at(s.ms)); got != s.want {
						t.Fatalf("step %d: insert %d = %v, want %v", i, s.seq, got, s.want)
					}
				}
				var out []int64
				for {
					for sl := r.pop(); sl != nil; sl = r.pop() {
						if sl.payload()[1] != byte(sl.useq) || sl.uts != sl.useq*960 {
							t.Fatalf("slot %d holds the wrong packet", sl.useq)
						}
						out = append(out, sl.useq)
					}
					if !r.skipIfExpired(at(s.ms), false) {
						break
					}
				}
				if len(out) != len(s.out) {
					t.Fatalf("step %d: released %v, want %v", i, out, s.out)
				}
				for j := range out {
					if out[j] != s.out[j] {
						t.Fatalf("step %d: released %v, want %v", i, out, s.out)
					}
				}
			}
		})
	}
}
