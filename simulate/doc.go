// Package simulate plays synthetic district rooms into a samvad meeting:
// real clients (websocket signalling, pion PeerConnection, Opus over SRTP)
// that join with the rooms' tokens and speak pre-encoded Hindi clips, so
// that a demo, a rehearsal or a load test exercises the same server, relay
// and recorder as a real meeting.
//
// It has two halves. A Script is pure data: for every room of a meeting,
// when it joins, when it speaks, and what goes wrong (packet loss, jitter,
// a paused microphone, a dropped connection, a late or absent room, a room
// that sends only silence). Build lays one out like a real meeting: the host
// opens, the districts report in turn with some cross-talk, the host closes.
// A Runner then plays a Script against a server URL, one goroutine per room
// sending one packet every 20 ms on absolute wall-clock deadlines, and
// counts what each room sent. `samvad simulate`, `samvad demo` and the
// end-to-end test all use the same two halves.
package simulate
