// join.js: the join page of one room. It is an ordinary client of the
// meeting protocol (signaling/PROTOCOL.md): the server offers, this page
// answers, sends its microphone on the first audio line of the first offer,
// plays every room it is sent, and joins again by itself after a drop.
'use strict';

(function () {
  var S = samvad;
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body.dataset;
  var meetingID = body.meeting, roomID = body.room;
  var tokenKey = 'samvad.token.' + meetingID + '.' + roomID;
  var token = S.readToken(tokenKey);

  var mic = null;          // MediaStream from getUserMedia
  var micSender = null;    // the RTCRtpSender of the microphone line
  var muted = false;
  var audioCtx = null, analyser = null, analysedTrack = null, meterSource = null;
  var pc = null, pending = [], offers = Promise.resolve();
  var disconnectTimer = null;
  var roster = {};         // room id → roster item, kept live by presence
  var players = {};        // room id → <audio> playing that room
  var recording = null;
  var joined = false;      // the user asked to be in the meeting
  // lk carries the media when the meeting runs on LiveKit (join-livekit.js).
  var lk = S.LiveKitMedia ? new S.LiveKitMedia({
    onTrack: function (room, t) {
      var el = t.attach();
      el.dataset.room = room;
      if (players[room]) players[room].remove();
      players[room] = el;
      $('audio').append(el);
      play(el);
      renderOthers();
    },
    onTrackGone: function (room, t) {
      t.detach().forEach(function (el) { el.remove(); });
      delete players[room];
      renderOthers();
    },
    onState: function (state) {
      if (state === 'reconnecting') setConn('reconnecting', 'Audio connection lost: reconnecting…', 'ऑडियो कनेक्शन टूट गया: फिर से जोड़ रहे हैं…');
      else if (session.connected()) showConnected();
    },
    onEnded: function (reason) {
      dropPlayers();
      if (!joined || reason === 'CLIENT_INITIATED') return;
      if (reason === 'DUPLICATE_IDENTITY') { stopped('replaced'); return; }
      // A fresh welcome brings a fresh grant.
      setConn('reconnecting', 'Audio connection lost: joining again…', 'ऑडियो कनेक्शन टूट गया: फिर से जोड़ रहे हैं…');
      session.drop();
    }
  }) : null;
  var waitingUntil = 0, waitingAttempt = 0, reconnectedAt = '';

  // ---- connection state on screen ----

  function setConn(state, en, hi) {
    var el = $('conn');
    el.dataset.state = state;
    S.bi(el, en, hi);
  }

  function showMessage(en, hi) {
    var el = $('message');
    if (!en) { el.hidden = true; el.textContent = ''; return; }
    S.bi(el, en, hi);
    el.hidden = false;
  }

  function showWaiting() {
    var s = Math.max(0, Math.ceil((waitingUntil - Date.now()) / 1000));
    setConn('reconnecting',
      'Connection lost: joining again in ' + s + ' s (try ' + waitingAttempt + ')…',
      'कनेक्शन टूट गया: ' + s + ' सेकंड में फिर से जोड़ रहे हैं (प्रयास ' + waitingAttempt + ')…');
  }

  var session = new S.Session({
    join: function () {
      return { type: 'join', meeting: meetingID, room: roomID, role: 'room', token: token };
    },
    onMessage: onMessage,
    onClosed: closeMedia,
    onState: function (state, info) {
      waitingUntil = 0;
      if (state === 'connecting') {
        if (info.reconnect) setConn('reconnecting', 'Connection lost: joining again…', 'कनेक्शन टूट गया: फिर से जोड़ रहे हैं…');
        else setConn('connecting', 'Connecting…', 'जुड़ रहे हैं…');
      } else if (state === 'connected') {
        showMessage('');
        if (info.reconnected) reconnectedAt = S.clockNow(S.offsetOf(body.startsAt || ''));
        showConnected();
      } else if (state === 'waiting') {
        waitingUntil = info.until;
        waitingAttempt = info.attempt;
        showWaiting();
      } else if (state === 'offline') {
        setConn('reconnecting', 'No network: joining again as soon as it is back.', 'नेटवर्क नहीं है: नेटवर्क लौटते ही फिर से जुड़ेंगे।');
      } else if (state === 'stopped') {
        stopped(info.code);
      }
    }
  });

  function showConnected() {
    var en = 'Connected: you are in the meeting.', hi = 'जुड़ गए: आप बैठक में हैं।';
    if (reconnectedAt) {
      en = 'Connected again at ' + reconnectedAt + ' after a drop: you are in the meeting.';
      hi = reconnectedAt + ' पर कनेक्शन दोबारा जुड़ा: आप बैठक में हैं।';
    }
    setConn('connected', en, hi);
  }

  // stopped explains a refusal that joining again cannot fix.
  function stopped(code) {
    joined = false;
    if (wakeLock) wakeLock.release();
    showButtons();
    var msgs = {
      bad_token: ['This room code is not right for this room. Check the link, or type the code again.',
        'यह कक्ष कोड इस कक्ष के लिए सही नहीं है। लिंक जाँचें या कोड फिर से लिखें।'],
      unknown_room: ['This meeting has no such room. Ask the IT staff for your link.',
        'इस बैठक में ऐसा कोई कक्ष नहीं है। आईटी स्टाफ़ से अपना लिंक माँगें।'],
      unknown_meeting: ['This server now runs another meeting. Reload the page or ask the IT staff.',
        'यह सर्वर अब दूसरी बैठक चला रहा है। पेज दोबारा लोड करें या आईटी स्टाफ़ से पूछें।'],
      replaced: ['This room joined from another window or device, so this window stepped out. Join here again only if that was a mistake.',
        'यह कक्ष किसी दूसरी विंडो या डिवाइस से जुड़ गया है, इसलिए यह विंडो बैठक से हट गई। गलती से हुआ हो तभी यहाँ फिर से जुड़ें।']
    };
    var m = msgs[code] || ['The server refused this room (' + code + ').', 'सर्वर ने इस कक्ष को मना कर दिया (' + code + ')।'];
    if (lk) lk.stop();
    setConn('stopped', 'Not connected', 'जुड़े नहीं');
    showMessage(m[0], m[1]);
    if (code === 'bad_token') {
      S.forgetToken(tokenKey);
      token = '';
      $('token-form').hidden = false;
    }
    stopMic();
  }

  // ---- messages ----

  function onMessage(m) {
    switch (m.type) {
      case 'welcome':
        roster = {};
        (m.roster || []).forEach(function (r) { roster[r.room] = r; });
        showRoom(roster[roomID]);
        setRecording(!!m.recording);
        // The server starts every connection unmuted: tell it again.
        if (muted) session.send({ type: 'mute', muted: true });
        renderOthers();
        if (m.media) startEngine(m.media);
        break;
      case 'offer':
        offers = offers.then(function () { return answer(m.sdp); }).catch(function (err) {
          console.warn('samvad: could not answer the offer', err);
          session.drop();
        });
        break;
      case 'candidate':
        if (!m.candidate || !m.candidate.candidate) break; // end of candidates
        if (pc && pc.remoteDescription) pc.addIceCandidate(m.candidate).catch(function (e) { console.warn('samvad: candidate', e); });
        else pending.push(m.candidate);
        break;
      case 'presence':
        onPresence(m);
        break;
      case 'recording':
        setRecording(!!m.active);
        break;
      case 'error':
        if (!S.STOP_CODES[m.code]) console.warn('samvad: server error', m.code, m.message);
        break;
    }
  }

  function onPresence(m) {
    var r = roster[m.room];
    if (!r) return;
    switch (m.event) {
      case 'joined': r.state = 'connected'; r.since = m.at; r.muted = false; break;
      case 'left': r.state = 'left'; r.since = m.at; break;
      case 'dropped': r.state = 'dropped'; r.since = m.at; break;
      case 'muted': r.muted = true; break;
      case 'unmuted': r.muted = false; break;
    }
    renderOthers();
  }

  // showRoom names the room and where it sits: the page itself does not
  // (it is the same for every id, so that it tells a stranger nothing),
  // the welcome does, once the token is right.
  function showRoom(r) {
    if (!r) return;
    S.bi($('room-name'), r.name, r.name_hi);
    var loc = $('room-location');
    loc.textContent = r.location || '';
    loc.hidden = !r.location;
    document.title = r.name + ' · samvad';
  }

  function setRecording(on) {
    recording = on;
    var el = $('recording');
    el.className = 'banner ' + (on ? 'banner-rec' : 'banner-idle');
    if (on) S.bi(el, '● Recording: this meeting is being recorded for the minutes.', '● रिकॉर्डिंग: कार्यवृत्त के लिए यह बैठक रिकॉर्ड की जा रही है।');
    else S.bi(el, 'Not being recorded right now.', 'अभी रिकॉर्डिंग नहीं हो रही है।');
  }

  // ---- media ----

  // startEngine sends the media where the welcome's grant says (LiveKit).
  function startEngine(grant) {
    if (!lk || grant.engine !== 'livekit') {
      showMessage('This page cannot reach the meeting\'s audio (' + grant.engine + '). Reload the page.',
        'यह पेज बैठक के ऑडियो तक नहीं पहुँच सकता (' + grant.engine + ')। पेज दोबारा लोड करें।');
      return;
    }
    lk.start(grant, micTrack(), muted).catch(function (err) {
      console.warn('samvad: LiveKit', err);
      if (joined) session.drop(); // joins again, with a fresh grant
    });
  }

  function makePC() {
    pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    var mine = pc;
    pc.onicecandidate = function (e) {
      if (e.candidate && e.candidate.candidate) session.send({ type: 'candidate', candidate: e.candidate.toJSON() });
    };
    pc.ontrack = onTrack;
    pc.onconnectionstatechange = function () {
      if (mine !== pc) return;
      var st = pc.connectionState;
      clearTimeout(disconnectTimer);
      if (st === 'failed') {
        session.drop();
      } else if (st === 'disconnected') {
        // Often a blip that ICE recovers from by itself; if not, the
        // network is gone under a websocket that has not noticed yet.
        disconnectTimer = setTimeout(function () { if (mine === pc) session.drop(); }, 8000);
      }
    };
  }

  // answer applies one offer. On the first, the microphone goes onto the
  // first audio line, which the server offers for it.
  function answer(sdp) {
    var first = !pc;
    if (first) makePC();
    var mine = pc;
    return pc.setRemoteDescription({ type: 'offer', sdp: sdp }).then(function () {
      if (mine !== pc) return null;
      if (first) {
        var t = pc.getTransceivers()[0];
        if (t) {
          t.direction = 'sendrecv';
          micSender = t.sender;
          return micSender.replaceTrack(micTrack());
        }
      }
      return null;
    }).then(function () {
      if (mine !== pc) return null;
      var queued = pending;
      pending = [];
      return Promise.all(queued.map(function (c) {
        return pc.addIceCandidate(c).catch(function (e) { console.warn('samvad: queued candidate', e); });
      }));
    }).then(function () {
      if (mine !== pc) return null;
      return pc.createAnswer();
    }).then(function (ans) {
      if (!ans || mine !== pc) return null;
      return pc.setLocalDescription(ans);
    }).then(function () {
      if (mine === pc && pc.localDescription) session.send({ type: 'answer', sdp: pc.localDescription.sdp });
    });
  }

  // onTrack plays a room's audio: its stream id is the room id.
  function onTrack(e) {
    var stream = e.streams && e.streams[0];
    if (!stream) {
      stream = new MediaStream([e.track]);
    }
    var room = stream.id;
    var el = players[room];
    if (!el) {
      el = document.createElement('audio');
      el.autoplay = true;
      el.dataset.room = room;
      $('audio').append(el);
      players[room] = el;
    }
    if (el.srcObject !== stream) el.srcObject = stream;
    play(el);
    stream.onremovetrack = function () {
      if (stream.getTracks().length === 0 && players[room] && players[room].srcObject === stream) {
        players[room].srcObject = null;
        players[room].remove();
        delete players[room];
        renderOthers();
      }
    };
    renderOthers();
  }

  // play starts a player; a browser that wants a click first gets one.
  function play(el) {
    var p = el.play();
    if (p && p.catch) {
      p.catch(function () { $('sound').hidden = false; });
    }
  }

  // closeMedia ends the server relay's media when the websocket closes.
  // LiveKit's does not depend on the websocket and goes on.
  function closeMedia() {
    clearTimeout(disconnectTimer);
    if (lk && lk.active()) return;
    if (pc) {
      pc.ontrack = null;
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    pc = null;
    micSender = null;
    pending = [];
    offers = Promise.resolve();
    dropPlayers();
  }

  function dropPlayers() {
    Object.keys(players).forEach(function (room) {
      players[room].srcObject = null;
      players[room].remove();
    });
    players = {};
    renderOthers();
  }

  function micTrack() {
    return mic ? mic.getAudioTracks()[0] || null : null;
  }

  // startMic opens the chosen microphone (echo cancellation on: the room
  // hears the meeting through its speakers) and puts it on the line.
  function startMic(deviceId) {
    if (!navigator.mediaDevices) return Promise.resolve(false);
    var audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (deviceId) audio.deviceId = { exact: deviceId };
    return navigator.mediaDevices.getUserMedia({ audio: audio }).then(function (stream) {
      var old = mic;
      mic = stream;
      var track = micTrack();
      if (track) track.enabled = !muted;
      if (micSender) micSender.replaceTrack(track);
      if (lk && lk.active()) lk.replaceMic(track);
      if (old) old.getTracks().forEach(function (t) { t.stop(); });
      meter(track);
      listMics();
      return true;
    }, function (err) {
      var name = err && err.name;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        showMessage('The browser did not allow the microphone. Allow it (the icon in the address bar), then join again. You can still hear the meeting.',
          'ब्राउज़र ने माइक्रोफ़ोन की अनुमति नहीं दी। एड्रेस बार के आइकन से अनुमति दें, फिर दोबारा जुड़ें। बैठक आप फिर भी सुन सकते हैं।');
      } else {
        showMessage('No microphone could be opened (' + (name || err) + '). You can still hear the meeting.',
          'कोई माइक्रोफ़ोन नहीं खुल सका (' + (name || err) + ')। बैठक आप फिर भी सुन सकते हैं।');
      }
      return false;
    });
  }

  function stopMic() {
    if (mic) mic.getTracks().forEach(function (t) { t.stop(); });
    mic = null;
    meter(null);
  }

  function listMics() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var sel = $('mic');
      var current = micTrack() && micTrack().getSettings ? micTrack().getSettings().deviceId : sel.value;
      sel.textContent = '';
      var n = 0;
      devices.forEach(function (d) {
        if (d.kind !== 'audioinput') return;
        n++;
        var o = document.createElement('option');
        o.value = d.deviceId;
        o.textContent = d.label || ('Microphone ' + n + ' / माइक्रोफ़ोन ' + n);
        if (d.deviceId === current) o.selected = true;
        sel.append(o);
      });
      if (n === 0) {
        var o = document.createElement('option');
        o.value = '';
        o.textContent = 'No microphone found / कोई माइक्रोफ़ोन नहीं मिला';
        sel.append(o);
      }
    });
  }

  // meter shows the microphone's level, from the raw track even when
  // muted, so a room can check its microphone before unmuting.
  function meter(track) {
    if (meterSource) { meterSource.disconnect(); meterSource = null; }
    analysedTrack = track;
    if (!track || !audioCtx) return;
    meterSource = audioCtx.createMediaStreamSource(new MediaStream([track]));
    meterSource.connect(analyser);
  }

  // A timer rather than requestAnimationFrame: the meter keeps its
  // accessible value current even while the tab is in the background.
  function startMeterLoop() {
    var buf = new Float32Array(analyser.fftSize), bar = $('level-bar'), el = $('level'), ticks = 0;
    setInterval(function () {
      var pct = 0;
      if (analysedTrack && analysedTrack.readyState === 'live') {
        analyser.getFloatTimeDomainData(buf);
        var sum = 0;
        for (var i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
        var db = 20 * Math.log10(Math.sqrt(sum / buf.length) + 1e-9);
        pct = Math.max(0, Math.min(100, (db + 60) * 100 / 60)); // -60..0 dBFS
      }
      bar.style.width = pct.toFixed(0) + '%';
      if (ticks++ % 5 === 0) el.setAttribute('aria-valuenow', pct.toFixed(0));
    }, 80);
  }

  // ---- who else is here ----

  function renderOthers() {
    var ul = $('others');
    ul.textContent = '';
    if (!session.connected()) {
      ul.append(S.bi(S.make('li', 'muted-text'), 'Join to see who is here.', 'कौन जुड़ा है, यह जुड़ने के बाद दिखेगा।'));
      return;
    }
    var here = 0, away = 0;
    Object.keys(roster).forEach(function (id) {
      var r = roster[id];
      if (id === roomID) return;
      if (r.state !== 'connected') { away++; return; }
      here++;
      var li = S.make('li', 'other');
      li.dataset.room = id;
      li.append(S.bi(S.make('span', 'other-name'), r.name, r.name_hi));
      if (r.muted) li.append(' ', S.bi(S.make('span', 'badge badge-muted'), 'muted', 'म्यूट'));
      if (players[id]) li.append(' ', S.bi(S.make('span', 'badge badge-hear'), '♪ hearing', 'सुन रहे हैं'));
      ul.append(li);
    });
    if (here === 0) ul.append(S.bi(S.make('li', 'muted-text'), 'No other room is connected yet.', 'अभी कोई और कक्ष नहीं जुड़ा है।'));
    if (away > 0) ul.append(S.bi(S.make('li', 'muted-text'), away + ' other rooms not connected.', away + ' अन्य कक्ष जुड़े नहीं हैं।'));
  }

  // ---- buttons ----

  function showButtons() {
    $('join').hidden = joined;
    $('mute').hidden = !joined;
    $('leave').hidden = !joined;
    var mb = $('mute');
    mb.setAttribute('aria-pressed', String(muted));
    if (muted) S.bi(mb, 'Unmute', 'अनम्यूट करें');
    else S.bi(mb, 'Mute', 'म्यूट करें');
    $('muted-banner').hidden = !muted;
    $('level-wrap').classList.toggle('is-muted', muted);
  }

  function join() {
    if (!token) {
      $('token-form').hidden = false;
      $('token-input').focus();
      showMessage('Type the room code from your join link first.', 'पहले अपने जुड़ने के लिंक वाला कक्ष कोड लिखें।');
      return;
    }
    showMessage('');
    joined = true;
    reconnectedAt = '';
    showButtons();
    // The AudioContext starts inside this click, which is what browsers
    // require before they make sound.
    if (!audioCtx) {
      var AC = window.AudioContext || window.webkitAudioContext;
      audioCtx = new AC();
      analyser = audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      startMeterLoop();
    }
    audioCtx.resume();
    var start = mic ? Promise.resolve(true) : startMic($('mic').value);
    start.then(function () {
      if (joined) session.start();
    });
    keepAwake();
  }

  // keepAwake holds a screen wake lock while the room is in the meeting:
  // a laptop that goes to sleep in a two-hour meeting drops out of it.
  // Browsers release the lock when the tab is hidden; it is taken again
  // when the tab comes back.
  var wakeLock = null;
  function keepAwake() {
    if (!joined || wakeLock || !navigator.wakeLock || document.visibilityState !== 'visible') return;
    navigator.wakeLock.request('screen').then(function (l) {
      wakeLock = l;
      l.addEventListener('release', function () { wakeLock = null; });
    }, function () { /* not allowed here: the laptop's own settings decide */ });
  }
  document.addEventListener('visibilitychange', keepAwake);

  function leave() {
    joined = false;
    if (lk) lk.stop();
    session.stop(true);
    stopMic();
    if (wakeLock) wakeLock.release();
    showButtons();
    setConn('left', 'You left the meeting.', 'आपने बैठक छोड़ दी।');
  }

  function toggleMute() {
    muted = !muted;
    var t = micTrack();
    // A disabled track sends silence: the recorder writes silence, and
    // the line stays negotiated for the instant unmute.
    if (t) t.enabled = !muted;
    if (lk) lk.setMuted(muted);
    session.send({ type: 'mute', muted: muted });
    showButtons();
  }

  $('join').addEventListener('click', join);
  $('leave').addEventListener('click', leave);
  $('mute').addEventListener('click', toggleMute);
  $('sound').addEventListener('click', function () {
    $('sound').hidden = true;
    if (audioCtx) audioCtx.resume();
    Object.keys(players).forEach(function (id) { play(players[id]); });
  });
  $('mic').addEventListener('change', function () {
    if (mic || joined) startMic($('mic').value);
  });
  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener('devicechange', listMics);
  }
  S.onTokenForm(tokenKey, function (v) {
    token = v;
    showMessage('');
    if (!joined) join(); // the submit is the click that lets audio start
  });
  // Closing the tab says leave, so the roll call shows "left", not "dropped".
  window.addEventListener('pagehide', function () {
    if (lk) lk.stop();
    if (joined) session.stop(true);
  });
  setInterval(function () { if (waitingUntil) showWaiting(); }, 1000);

  if (!window.RTCPeerConnection) {
    showMessage('This browser cannot join: use a current Chrome, Chromium, Edge or Firefox.',
      'इस ब्राउज़र से नहीं जुड़ सकते: नया Chrome, Chromium, Edge या Firefox इस्तेमाल करें।');
    $('join').disabled = true;
  } else if (!navigator.mediaDevices) {
    // Browsers give the microphone only to https pages (and to pages on
    // the same computer): over plain http a room can listen but not speak.
    showMessage('The microphone works only over https: this page can hear the meeting but not send your voice. Ask the IT staff for an https link.',
      'माइक्रोफ़ोन केवल https पर काम करता है: इस पेज से बैठक सुनी जा सकती है, पर आपकी आवाज़ नहीं जाएगी। आईटी स्टाफ़ से https लिंक माँगें।');
  }
  if (!token) $('token-form').hidden = false;
  showButtons();
  listMics();
})();
