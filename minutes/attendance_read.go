package minutes

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// AttendanceRow is what other programs read of attendance.csv: which
// configured room, and how it attended.
type AttendanceRow struct {
	Room   string
	Status Status
}

// Attended reports whether the room was there at all.
func (r AttendanceRow) Attended() bool { return r.Status != StatusAbsent }

// ReadAttendance reads attendance.csv by its header's names, so columns
// added after the fixed ones do not matter.
func ReadAttendance(r io.Reader) ([]AttendanceRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", AttendanceFile, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, utf8BOM)] = i
	}
	room, okRoom := col["room"]
	status, okStatus := col["status"]
	if !okRoom || !okStatus {
		return nil, fmt.Errorf("%s: no room and status columns", AttendanceFile)
	}
	var rows []AttendanceRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, fmt.Errorf("%s: %w", AttendanceFile, err)
		}
		if room < len(rec) && status < len(rec) {
			rows = append(rows, AttendanceRow{Room: rec[room], Status: Status(rec[status])})
		}
	}
}
