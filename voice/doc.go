// Package voice is what the simulated rooms say.
//
// A simulated district room joins a meeting and sends its "microphone" as
// Opus over WebRTC: one 20 ms packet every 20 ms. This package supplies those
// packets, already encoded, so that sending costs nothing per packet and
// hundreds of simulated rooms stay cheap:
//
//   - Clip: the room announcing itself in Hindi ("रांची जिला समिति उपस्थित है"),
//     recorded once with espeak-ng by tools/mkclips and embedded in the binary.
//   - Synth: a voice-like babble for rooms without a clip, deterministic per seed.
//   - Silence: a room that is connected but says nothing.
//   - Tone: a sine burst, for tests that must find audio at a known time and
//     frequency in a recording.
//
// Every packet carries its RFC 6464 audio level, for the sender's
// audio-level header extension. A Player walks an Utterance packet by packet
// with pauses between repetitions, which is what a sender's 20 ms ticker needs.
//
// Utterances are immutable values and safe for concurrent use: many rooms may
// share one. The package holds no mutable state; the embedded clips are
// decoded lazily, once, into immutable data.
package voice
