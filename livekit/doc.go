// Package livekit runs a samvad meeting's media on a LiveKit server or
// cluster (media.engine: livekit): it mints the access tokens samvad hands
// out, joins the bot to the LiveKit room as a hidden recorder (a
// bot.Source), watches the room's participants for the server's roll call,
// and publishes simulated rooms for rehearsals and load tests.
//
// A LiveKit participant's identity is the samvad room id, its name the
// room's name. Everything LiveKit sends is treated as untrusted: an
// identity that is no room of the meeting file becomes a guest whose id
// ("guest-" and the identity made safe) can be used in file names.
package livekit
