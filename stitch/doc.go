// Package stitch lays a room's segments, the files the live capture
// (package capture) wrote for each of its connections, out on the
// meeting's timeline: one Ogg Opus file whose first played sample is the
// recording's start and whose length is the recording's length, with
// silence wherever no segment covers and the later segment winning where
// two overlap. Packets are copied, never re-encoded.
//
// It reads damaged segments (cut off by a crash, or with a corrupt page) as
// far as they are readable (oggopus.Scan) and reports what it skipped per
// segment; Room returns an error only when its output cannot be written or
// the range is invalid.
//
// The package starts no goroutines and has no package-level mutable state;
// Room may run concurrently with anything.
package stitch
