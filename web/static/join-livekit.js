// join-livekit.js: the join page's media when the meeting runs on LiveKit
// (media.engine: livekit). The samvad websocket still admits the room and
// carries the roster and the recording banner; its welcome brings a grant
// (LiveKit's URL and a short-lived token for this room alone) with which
// livekit-client sends the microphone and plays the meeting, instead of
// the offers the server's own relay makes.
'use strict';

(function () {
  var LK = window.LivekitClient;
  if (!LK || !window.samvad) return;

  // LiveKitMedia is the page's one LiveKit connection. h is told what
  // happens: onTrack(room, track), onTrackGone(room, track),
  // onState('reconnecting' | 'connected'), onEnded(reason name).
  function LiveKitMedia(h) {
    this.h = h;
    this.room = null;
    this.pub = null;
    this.muted = false;
  }

  // active reports whether LiveKit carries the room's media now, or is
  // connecting it.
  LiveKitMedia.prototype.active = function () { return !!this.room; };

  // start connects with a grant, publishing track (muted if asked). A
  // second welcome while connected changes nothing: the media does not
  // depend on the websocket.
  LiveKitMedia.prototype.start = function (grant, track, muted) {
    var self = this;
    if (this.room) return Promise.resolve();
    this.muted = muted;
    var room = new LK.Room({
      adaptiveStream: false, dynacast: false, disconnectOnPageLeave: true,
      // Opus with in-band FEC as on samvad's relay; no RED, no DTX: the
      // recorder writes silence itself where a room is quiet.
      publishDefaults: { dtx: false, red: false, stopMicTrackOnMute: false }
    });
    this.room = room;
    var mine = function () { return self.room === room; };
    room.on(LK.RoomEvent.TrackSubscribed, function (t, pub, p) {
      if (mine() && t.kind === 'audio') self.h.onTrack(p.identity, t);
    });
    room.on(LK.RoomEvent.TrackUnsubscribed, function (t, pub, p) {
      if (mine()) self.h.onTrackGone(p.identity, t);
    });
    room.on(LK.RoomEvent.Reconnecting, function () { if (mine()) self.h.onState('reconnecting'); });
    room.on(LK.RoomEvent.Reconnected, function () { if (mine()) self.h.onState('connected'); });
    room.on(LK.RoomEvent.Disconnected, function (reason) {
      if (!mine()) return;
      self.room = null;
      self.pub = null;
      self.h.onEnded(LK.DisconnectReason[reason] || String(reason));
    });
    return room.connect(grant.url, grant.token, { autoSubscribe: true }).then(function () {
      if (mine()) return self.publish(track);
    }, function (err) {
      if (mine()) { self.room = null; room.disconnect(); }
      throw err;
    });
  };

  LiveKitMedia.prototype.publish = function (track) {
    var self = this, room = this.room;
    if (!room || !track || this.pub) return Promise.resolve();
    return room.localParticipant.publishTrack(track, { source: LK.Track.Source.Microphone, name: 'microphone' }).then(function (pub) {
      if (self.room !== room) return;
      self.pub = pub;
      if (self.muted) return pub.mute();
    });
  };

  // setMuted mutes the microphone in LiveKit: everyone, the roll call and
  // the recorder see it muted, and nothing is sent.
  LiveKitMedia.prototype.setMuted = function (muted) {
    this.muted = muted;
    if (!this.pub) return;
    (muted ? this.pub.mute() : this.pub.unmute()).catch(function (e) { console.warn('samvad: mute', e); });
  };

  // replaceMic sends another microphone (the room picked one).
  LiveKitMedia.prototype.replaceMic = function (track) {
    if (this.pub && this.pub.track) {
      this.pub.track.replaceTrack(track, { userProvidedTrack: true }).catch(function (e) { console.warn('samvad: microphone', e); });
    } else {
      this.publish(track);
    }
  };

  LiveKitMedia.prototype.stop = function () {
    var room = this.room;
    this.room = null;
    this.pub = null;
    if (room) room.disconnect();
  };

  window.samvad.LiveKitMedia = LiveKitMedia;
})();
