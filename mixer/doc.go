// Package mixer writes mix.ogg: the whole meeting in one Ogg Opus file on the
// recording's timeline, mixed from the rooms.
//
// The mix is decoded from the rooms' Opus packets with gopus, summed at unity
// gain, passed through a look-ahead limiter whose ceiling leaves headroom
// below full scale (so overlapping voices never clip), and encoded again with
// gopus: mono, 48 kHz, 20 ms CELT frames at a speech bitrate. Its first played
// sample (after pre-skip) is the recording's start instant and it plays for as
// long as the recording lasted, so sample N of the mix is the instant
// start+N/48 kHz, the same timeline as every file in rooms/.
//
// There are two ways to make it (Check tells whether an existing one is
// complete):
//
//   - Mixer, live in the bot: each room connection (a capture.Segment) feeds
//     an Input (its capture.FrameSink), and a ticker calls Mixer.Tick, which
//     mixes and writes what every room has delivered (or what is older than
//     Options.Latency, so one stalled room never stalls the mix) and flushes
//     the file at least every Options.FlushInterval. A process killed with -9
//     leaves a file that plays up to the last flush.
//   - MixFiles, offline in `samvad report`: the same mix from the stitched
//     rooms/<room>.ogg files, streamed frame by frame across the rooms in
//     lockstep, so memory does not grow with the meeting's length.
//
// Cost follows the rooms that are sounding, not the rooms that are connected.
// A room's packet is decoded only while the room is sounding: its RFC 6464
// audio level (given to Input.Level live, or speaking turns given as
// Room.Sounding offline) was above Options.GateLevel within
// Options.Hangover, and the packet is not a CELT silence packet
// ({TOC,0xFF,0xFE}) or a one-byte concealment marker. A silent room's
// packets are only classified, never decoded, and contribute nothing. A
// decoder that stops is not reset when its room sounds again: as after
// packet loss, its stale state is close to the sender's (what it yields
// stays within 55 dB of decoding every packet), where a reset decoder
// would predict the first frame's band energies from nothing. Stretches
// where the whole mix is digital silence are written as CELT silence
// packets without running the encoder, which is caught up with one frame of
// zeros when sound returns (see output).
//
// Concurrency: Mixer is safe for concurrent use. Each Input belongs to the
// goroutine that owns its segment (the room's track goroutine, where
// the Sink runs); different Inputs may be fed concurrently. Inputs decode on
// their own goroutine and only copy PCM under the Mixer's lock. Tick, Flush
// and Close do the mixing, encoding and writing, so the rooms' goroutines
// never wait for the encoder or the disk; call them from one goroutine (a
// ticker). The package starts a goroutine only inside MixFiles, which waits
// for it before returning.
package mixer
