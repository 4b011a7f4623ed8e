package meeting

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error that refuses a meeting file's content,
// as opposed to failing to read it.
var ErrInvalid = errors.New("invalid meeting file")

// Problem is one thing wrong with a meeting file.
type Problem struct {
	// Path is the field, like "rooms[3].id".
	Path string
	// Line is the 1-based line in the file, or 0 when unknown.
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Error lists every problem found in a meeting file.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: %s", e.File, p.Line, p)
		} else {
			fmt.Fprintf(&b, "%s: %s", e.File, p)
		}
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalid) recognise a refused file.
func (e *Error) Unwrap() error { return ErrInvalid }
