package minutes

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

func TestReadAttendanceReadsWhatIsWritten(t *testing.T) {
	m := recording.Meeting{ID: "m", Title: "M", LateAfter: meeting.Duration(10 * time.Minute), StartsAt: time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC),
		Rooms: []recording.Room{{ID: "ranchi", Kind: "district", Name: "=Ranchi"}, {ID: "dumka", Kind: "district", Name: "Dumka"}}}
	start := m.StartsAt
	s := Summarize(m, start, start.Add(time.Hour), []recording.Event{
		{At: start.Add(time.Minute), Event: recording.EventJoined, Room: "ranchi", Session: "a"},
	})
	rows, err := ReadAttendance(bytes.NewReader(attendanceCSV(s)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0] != (AttendanceRow{"ranchi", StatusPresent}) || rows[1] != (AttendanceRow{"dumka", StatusAbsent}) {
		t.Errorf("rows %+v", rows)
	}
	if !rows[0].Attended() || rows[1].Attended() {
		t.Error("Attended is wrong")
	}
	// Columns added later, in another order than today's, are read by name.
	rows, err = ReadAttendance(strings.NewReader("status,extra,room\nlate,x,bokaro\n"))
	if err != nil || len(rows) != 1 || rows[0] != (AttendanceRow{"bokaro", StatusLate}) {
		t.Errorf("by name: %+v %v", rows, err)
	}
	if _, err := ReadAttendance(strings.NewReader("a,b\n1,2\n")); err == nil {
		t.Error("a file without room and status columns was read")
	}
}
