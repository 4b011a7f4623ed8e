package meeting

import "testing"

// FuzzParse feeds the meeting file loader arbitrary YAML: it must never
// panic, and a file it accepts must hold what validation promises.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("meeting: {id: x}\nrooms: [{id: a, token: {plain: p}}]"))
	f.Add([]byte("rooms: &a [*a]"))
	f.Add([]byte("meeting: !!binary aGVsbG8="))
	f.Add([]byte("- - - -"))
	f.Add([]byte("meeting:\n  starts_at: 2023-11-21T14:00:00+05:30\n  late_after: 1h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if !ValidID(file.Meeting.ID) || file.Meeting.StartsAt.IsZero() || len(file.Rooms) == 0 {
			t.Fatalf("accepted an invalid meeting: %+v", file.Meeting)
		}
		seen := map[string]bool{}
		for _, r := range file.Rooms {
			if !ValidID(r.ID) || seen[r.ID] || !r.Token.IsSet() {
				t.Fatalf("accepted room %+v", r)
			}
			seen[r.ID] = true
			if _, ok := file.Room(r.ID); !ok {
				t.Fatalf("room %q not found by id", r.ID)
			}
		}
	})
}
