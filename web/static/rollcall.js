// rollcall.js: the live roll call for IT staff. It joins as staff (no
// media) and redraws from the server's pushes alone: welcome (the roster),
// presence, activity (speaking / silent), recording and the recorder's
// status. A one-second timer only ages the times already on screen.
'use strict';

(function () {
  var S = samvad;
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body.dataset;
  var meetingID = body.meeting;
  var tokenKey = 'samvad.staff.' + meetingID;
  var token = S.readToken(tokenKey);

  var rooms = {};          // id → room, kept across reconnects of this page
  var order = [];
  var lateAt = NaN;        // ms: a first join after this is late
  var offset = S.offsetOf(body.startsAt); // the meeting's UTC offset
  var recorderPresent = null, status = null, statusAt = 0;
  var waitingUntil = 0, waitingAttempt = 0;

  var LABELS = {
    absent: ['Not yet joined', 'अभी नहीं जुड़े'],
    connected: ['Connected', 'जुड़े हुए'],
    speaking: ['Speaking now', 'अभी बोल रहे हैं'],
    silent: ['Connected, no sound', 'जुड़े हैं, आवाज़ नहीं'],
    muted: ['Connected, muted', 'जुड़े हैं, म्यूट'],
    dropped: ['Dropped', 'कनेक्शन टूटा'],
    left: ['Left', 'चले गए']
  };
  var ICONS = { absent: '○', connected: '●', speaking: '◉', silent: '◌', muted: '⊘', dropped: '✕', left: '←' };

  function setConn(state, en, hi) {
    var el = $('conn');
    el.dataset.state = state;
    S.bi(el, en, hi);
    document.body.classList.toggle('stale', state !== 'connected');
  }

  function showMessage(en, hi) {
    var el = $('message');
    if (!en) { el.hidden = true; return; }
    S.bi(el, en, hi);
    el.hidden = false;
  }

  var session = new S.Session({
    join: function () { return { type: 'join', meeting: meetingID, role: 'staff', token: token }; },
    onMessage: onMessage,
    onClosed: function () {},
    onState: function (state, info) {
      waitingUntil = 0;
      if (state === 'connecting') {
        setConn('connecting', 'Connecting to the meeting server…', 'मीटिंग सर्वर से जुड़ रहे हैं…');
      } else if (state === 'connected') {
        showMessage('');
        setConn('connected', 'Live', 'लाइव');
      } else if (state === 'waiting') {
        waitingUntil = info.until;
        waitingAttempt = info.attempt;
        showWaiting();
      } else if (state === 'offline') {
        setConn('reconnecting', 'No network: this screen is out of date until it is back.', 'नेटवर्क नहीं है: नेटवर्क लौटने तक यह स्क्रीन पुरानी है।');
      } else if (state === 'stopped') {
        setConn('stopped', 'Not connected', 'जुड़े नहीं');
        if (info.code === 'bad_token') {
          S.forgetToken(tokenKey);
          token = '';
          $('token-form').hidden = false;
          showMessage('This staff code is not right. Type it again.', 'यह स्टाफ़ कोड सही नहीं है। फिर से लिखें।');
        } else {
          showMessage('The server refused the roll call (' + info.code + '). Reload the page.', 'सर्वर ने हाज़िरी मना कर दी (' + info.code + ')। पेज दोबारा लोड करें।');
        }
      }
    }
  });

  function showWaiting() {
    var s = Math.max(0, Math.ceil((waitingUntil - Date.now()) / 1000));
    setConn('reconnecting', 'Connection lost: this screen is out of date. Trying again in ' + s + ' s (try ' + waitingAttempt + ').',
      'कनेक्शन टूट गया: यह स्क्रीन पुरानी है। ' + s + ' सेकंड में फिर से कोशिश (प्रयास ' + waitingAttempt + ')।');
  }

  function onMessage(m) {
    switch (m.type) {
      case 'welcome': welcome(m); break;
      case 'presence': presence(m); break;
      case 'activity': activity(m); break;
      case 'recording': recorderPresent = !!m.active; renderRecorder(); break;
      case 'status': status = m.status || null; statusAt = Date.now(); renderRecorder(); break;
    }
  }

  function ms(at) { var t = Date.parse(at || ''); return isNaN(t) ? null : t; }

  function welcome(m) {
    var info = m.meeting || {};
    if (info.starts_at) {
      offset = S.offsetOf(info.starts_at);
      lateAt = ms(info.starts_at) + (S.parseDuration(info.late_after || '0s') || 0);
    }
    recorderPresent = !!m.recording;
    order = [];
    (m.roster || []).forEach(function (it) {
      var r = rooms[it.room] || { id: it.room, firstJoin: null, notLate: false, seen: false };
      r.name = it.name; r.name_hi = it.name_hi; r.kind = it.kind; r.location = it.location;
      r.state = it.state; r.since = it.since || ''; r.muted = !!it.muted;
      r.speaking = !!it.speaking; r.silent = !!it.silent;
      // First joins: what the roster tells for sure. A connected room's
      // since is its current connection: the brief's best estimate of
      // its first join when this screen opened later. A dropped or left
      // room's since bounds its first join from above.
      var first = ms(it.first_joined) || (it.state === 'connected' ? ms(it.since) : null);
      if (first !== null && (r.firstJoin === null || first < r.firstJoin)) r.firstJoin = first;
      if ((it.state === 'dropped' || it.state === 'left') && ms(it.since) !== null && ms(it.since) <= lateAt) r.notLate = true;
      if (it.state !== 'absent') r.seen = true;
      rooms[it.room] = r;
      order.push(it.room);
    });
    build();
    renderAll();
    renderRecorder();
  }

  function presence(m) {
    var r = rooms[m.room];
    if (!r) return;
    switch (m.event) {
      case 'joined':
        // Only a room never seen before has its first join here; one that
        // was already dropped or gone when this screen opened joined first
        // at an unknown earlier time.
        if (r.firstJoin === null && !r.seen) r.firstJoin = ms(m.at);
        r.seen = true;
        r.state = 'connected'; r.since = m.at; r.muted = false; r.speaking = false; r.silent = false;
        break;
      case 'left': r.state = 'left'; r.since = m.at; r.speaking = false; r.silent = false; break;
      case 'dropped': r.state = 'dropped'; r.since = m.at; r.speaking = false; r.silent = false; r.drops = (r.drops || 0) + 1; break;
      case 'muted': r.muted = true; break;
      case 'unmuted': r.muted = false; break;
      default: return;
    }
    render(r);
    renderCounts();
  }

  function activity(m) {
    var r = rooms[m.room];
    if (!r) return;
    if (typeof m.speaking === 'boolean') r.speaking = m.speaking;
    if (typeof m.silent === 'boolean') r.silent = m.silent;
    render(r);
    renderCounts();
  }

  // shown is what a tile says: a connected room's activity, else its state.
  function shown(r) {
    if (r.state !== 'connected') return r.state in LABELS ? r.state : 'absent';
    if (r.muted) return 'muted';
    if (r.speaking) return 'speaking';
    if (r.silent) return 'silent';
    return 'connected';
  }

  function isLate(r) {
    return !r.notLate && r.firstJoin !== null && !isNaN(lateAt) && r.firstJoin > lateAt;
  }

  var KINDS = { host: ['Host', 'मेज़बान'], central: ['Central', 'केंद्रीय'], guest: ['Guest', 'अतिथि'] };

  // build lays out one tile per configured room, in the meeting file's
  // order, in one grid: 24 districts and the centre fit one projector
  // screen. Rooms that are not districts say what they are.
  function build() {
    var grid = $('rooms');
    grid.textContent = '';
    order.forEach(function (id) {
      var r = rooms[id];
      var li = S.make('li', 'tile');
      li.dataset.room = id;
      li.dataset.kind = r.kind;
      r.nameEl = S.bi(S.make('p', 'tile-name'), r.name, r.name_hi);
      if (KINDS[r.kind]) {
        var k = S.make('span', 'tile-kind');
        k.textContent = KINDS[r.kind][0] + ' / ' + KINDS[r.kind][1];
        r.nameEl.prepend(k);
      }
      r.stateEl = S.make('p', 'tile-state');
      r.sinceEl = S.make('p', 'tile-since');
      r.badgesEl = S.make('p', 'tile-badges');
      li.append(r.nameEl, r.stateEl, r.sinceEl, r.badgesEl);
      r.el = li;
      grid.append(li);
    });
  }

  function render(r) {
    if (!r.el) return;
    var st = shown(r);
    r.el.dataset.state = st;
    r.el.dataset.conn = r.state;
    r.el.dataset.late = String(isLate(r));
    var lab = LABELS[st];
    r.stateEl.textContent = '';
    var icon = S.make('span', 'icon');
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = ICONS[st] + ' ';
    r.stateEl.append(icon, S.bi(S.make('span'), lab[0], lab[1]));
    renderSince(r);
    r.badgesEl.textContent = '';
    if (isLate(r)) {
      var late = S.make('span', 'badge badge-late');
      late.textContent = 'Late / देर से · ' + clockAt(r.firstJoin);
      late.title = 'joined ' + S.span(r.firstJoin - lateAt).en + ' after the late mark';
      r.badgesEl.append(late);
    }
    // Drops seen by this screen: a room that keeps dropping needs a look
    // at its network even while it shows connected.
    if (r.drops > 0) {
      var drops = S.make('span', 'badge badge-drops');
      drops.textContent = 'Drops / टूटा: ' + r.drops;
      r.badgesEl.append(' ', drops);
    }
  }

  function clockAt(t) { return new Date(t + offset).toISOString().slice(11, 19); }

  // renderSince ages a tile's time: "since / से 14:05:12 · 3 min". One
  // line, the connecting words in both languages, so a projector shows it
  // large.
  function renderSince(r) {
    var t = ms(r.since);
    if (t === null || r.state === 'absent') { r.sinceEl.textContent = ''; return; }
    var age = S.span(Date.now() - t).en, at = S.clockOf(r.since);
    var words = {
      connected: 'since / से ' + at + ' · ' + age,
      dropped: 'at / पर ' + at + ' · ' + age + ' ago',
      left: 'at / पर ' + at
    }[r.state] || '';
    r.sinceEl.textContent = words;
  }

  function renderAll() {
    order.forEach(function (id) { render(rooms[id]); });
    renderCounts();
  }

  function renderCounts() {
    var n = { districts: 0, connected: 0, all: 0, allConnected: 0 };
    var tally = { speaking: 0, silent: 0, muted: 0, dropped: 0, absent: 0, left: 0, late: 0 };
    order.forEach(function (id) {
      var r = rooms[id], st = shown(r);
      n.all++;
      if (r.state === 'connected') n.allConnected++;
      if (r.kind === 'district') {
        n.districts++;
        if (r.state === 'connected') n.connected++;
      }
      if (st in tally) tally[st]++;
      if (isLate(r)) tally.late++;
    });
    var c = $('count');
    if (n.districts > 0) S.bi(c, n.connected + ' of ' + n.districts + ' districts connected', n.districts + ' में से ' + n.connected + ' ज़िले जुड़े हैं');
    else S.bi(c, n.allConnected + ' of ' + n.all + ' rooms connected', n.all + ' में से ' + n.allConnected + ' कक्ष जुड़े हैं');
    if (n.districts > 0 && n.all > n.districts) {
      var more = S.make('span', 'count-more');
      more.textContent = 'all rooms / सभी कक्ष: ' + n.allConnected + ' / ' + n.all;
      c.append(more);
    }
    c.dataset.connected = String(n.districts > 0 ? n.connected : n.allConnected);
    var t = $('tally');
    t.textContent = '';
    [['speaking', LABELS.speaking], ['silent', LABELS.silent], ['muted', ['Muted', 'म्यूट']], ['dropped', LABELS.dropped],
      ['absent', LABELS.absent], ['left', LABELS.left], ['late', ['Late', 'देर से']]].forEach(function (k) {
      var chip = S.bi(S.make('span', 'chip chip-' + k[0]), k[1][0] + ' /', k[1][1]);
      var num = S.make('b');
      num.textContent = ' ' + tally[k[0]];
      chip.append(num);
      chip.dataset.count = String(tally[k[0]]);
      t.append(chip, ' ');
    });
  }

  // renderRecorder shows whether the meeting is being recorded, and the
  // recorder's health as it last reported it (every 2 s).
  function renderRecorder() {
    var el = $('rec-state'), age = statusAt ? Date.now() - statusAt : Infinity;
    var state, en, hi;
    if (recorderPresent === null) {
      state = 'unknown'; en = 'Waiting for the server'; hi = 'सर्वर का इंतज़ार';
    } else if (!recorderPresent) {
      state = 'off'; en = 'NOT RECORDING: no recorder in the meeting'; hi = 'रिकॉर्डिंग नहीं हो रही: बैठक में रिकॉर्डर नहीं है';
    } else if (!status) {
      state = 'waiting'; en = 'Recorder joined: waiting for its first report'; hi = 'रिकॉर्डर जुड़ा: पहली रिपोर्ट का इंतज़ार';
    } else if (age > 10000) {
      state = 'stale'; en = 'Recorder silent for ' + S.span(age).en; hi = 'रिकॉर्डर से ' + S.span(age).hi + ' से कोई रिपोर्ट नहीं';
    } else if (!status.recording) {
      state = 'off'; en = 'Recorder connected but NOT writing'; hi = 'रिकॉर्डर जुड़ा है पर रिकॉर्ड नहीं कर रहा';
    } else if (status.write_errors > 0) {
      state = 'bad'; en = '● Recording, with write errors'; hi = '● रिकॉर्डिंग चालू, पर लिखने में त्रुटियाँ';
    } else {
      state = 'on'; en = '● Recording'; hi = '● रिकॉर्डिंग चालू';
    }
    el.dataset.state = state;
    S.bi(el, en, hi);
    $('recorder').dataset.state = state;
    if (status) {
      $('rec-written').textContent = S.hms(status.seconds_written || 0);
      $('rec-segments').textContent = String(status.segments || 0);
      var disk = $('rec-disk');
      disk.textContent = status.disk_free_bytes ? S.bytes(status.disk_free_bytes) : '–';
      disk.dataset.level = !status.disk_free_bytes ? '' : status.disk_free_bytes < 512 * 1048576 ? 'bad' : status.disk_free_bytes < 2 * 1073741824 ? 'warn' : 'ok';
      var errs = $('rec-errors');
      errs.textContent = String(status.write_errors || 0);
      errs.dataset.level = status.write_errors > 0 ? 'bad' : 'ok';
      var a = S.span(age);
      S.bi($('rec-age'), a.en + ' ago', a.hi + ' पहले');
    }
  }

  S.onTokenForm(tokenKey, function (v) {
    token = v;
    showMessage('');
    session.start();
  });

  var legend = $('legend');
  ['speaking', 'connected', 'silent', 'muted', 'dropped', 'left', 'absent'].forEach(function (k) {
    var s = S.make('span', 'legend-item');
    s.dataset.state = k;
    S.bi(s, ICONS[k] + ' ' + LABELS[k][0], LABELS[k][1]);
    legend.append(s, ' ');
  });

  // Ageing only: nothing here asks the server for anything.
  setInterval(function () {
    $('clock').textContent = S.clockNow(offset);
    if (waitingUntil) showWaiting();
    order.forEach(function (id) { renderSince(rooms[id]); });
    renderRecorder();
  }, 1000);
  $('clock').textContent = S.clockNow(offset);

  if (token) session.start();
  else $('token-form').hidden = false;
})();
