package main

import (
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/samvad/samvad/meeting"
)

// printLinks prints each room's join link and the roll call's. A link holds
// the token (in the fragment, never sent to the server) when the meeting
// file gives the secret and withTokens is set: standard output is a
// terminal, or --links asked for them. Otherwise the links go out bare,
// with a line saying where the tokens are: journald, or a file standard
// output is sent to, would keep them for anyone who reads the log. For
// hashed tokens `samvad tokens` makes links.
func printLinks(w io.Writer, f *meeting.File, base string, withTokens bool) {
	withheld := false
	frag := func(t meeting.Token) string {
		s, ok := t.Secret()
		if !ok {
			return ""
		}
		if !withTokens {
			withheld = true
			return ""
		}
		return "#token=" + url.QueryEscape(s)
	}
	fmt.Fprintf(w, "samvad: meeting %q: %s\n", f.Meeting.ID, f.Meeting.Title)
	fmt.Fprintf(w, "  roll call:  %s/rollcall%s\n", base, frag(f.StaffToken))
	fmt.Fprintf(w, "  recordings: %s/recordings%s\n", base, frag(f.StaffToken))
	for _, r := range f.Rooms {
		fmt.Fprintf(w, "  %-20s %s/join/%s%s\n", r.Name+":", base, url.PathEscape(r.ID), frag(r.Token))
	}
	if withheld {
		fmt.Fprintf(w, "  (links printed without their tokens: standard output is not a terminal, and a log would keep them;"+
			" `samvad run --links` prints them anyway, `samvad tokens --config %s` makes new ones)\n", f.Path)
	}
}

// isTerminal reports whether f is a character device: a terminal (or
// /dev/null), not the pipe of journald or a file.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
