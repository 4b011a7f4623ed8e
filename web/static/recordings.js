// recordings.js: the recordings page. The staff's or secretaries' code
// comes from the link's fragment (or is typed in) and goes only into the
// Authorization header of GET /api/recordings; that answer also gives the
// browser a short-lived pass (an HttpOnly cookie) with which the players,
// links and downloads below fetch the files. The list is fetched again
// every few minutes, which renews the pass and shows new recordings.
'use strict';

(function () {
  var S = samvad;
  var tokenKey = 'samvad-recordings-token';
  var REFRESH_MS = 5 * 60 * 1000;
  var token = '';
  var timer = null;
  var shown = {}; // id -> JSON of the entry as last drawn

  function $(id) { return document.getElementById(id); }

  function message(en, hi) {
    var el = $('message');
    if (!en) { el.hidden = true; el.textContent = ''; return; }
    S.bi(el, en, hi);
    el.hidden = false;
  }

  function askToken() {
    clearTimeout(timer);
    $('token-form').hidden = false;
    $('token-input').focus();
  }

  function load() {
    clearTimeout(timer);
    S.bi($('status'), 'Loading…', 'लोड हो रहा है…');
    fetch('/api/recordings', {
      headers: { Authorization: 'Bearer ' + token },
      cache: 'no-store',
      credentials: 'same-origin'
    }).then(function (res) {
      return res.json().then(function (body) { return { res: res, body: body }; });
    }).then(function (r) {
      if (r.res.status === 401 || r.res.status === 429) {
        S.forgetToken(tokenKey);
        token = '';
        message(r.body.message || 'This code does not open the recordings.', r.body.message_hi || 'यह कोड रिकॉर्डिंग नहीं खोलता।');
        $('status').textContent = '';
        askToken();
        return;
      }
      if (!r.res.ok) throw new Error(r.body.message || r.res.statusText);
      message('');
      draw(r.body);
      timer = setTimeout(load, REFRESH_MS);
    }).catch(function (e) {
      message('The server could not be reached: trying again in a minute. (' + e.message + ')',
        'सर्वर से संपर्क नहीं हो सका: एक मिनट में फिर कोशिश होगी।');
      timer = setTimeout(load, 60 * 1000);
    });
  }

  // draw updates the list: a card is drawn again only when its entry
  // changed, so a player that is playing keeps playing.
  function draw(list) {
    var ul = $('recordings');
    var keep = {};
    list.forEach(function (rec, i) {
      var json = JSON.stringify(rec);
      keep[rec.id] = true;
      var old = ul.querySelector('li[data-id="' + CSS.escape(rec.id) + '"]');
      if (!old || shown[rec.id] !== json) {
        var card = drawCard(rec);
        if (old) ul.replaceChild(card, old);
        else ul.appendChild(card);
        shown[rec.id] = json;
        old = card;
      }
      if (ul.children[i] !== old) ul.insertBefore(old, ul.children[i] || null);
    });
    Array.prototype.slice.call(ul.children).forEach(function (li) {
      if (!keep[li.dataset.id]) { ul.removeChild(li); delete shown[li.dataset.id]; }
    });
    if (list.length === 0) {
      S.bi($('status'), 'No meeting has been recorded here yet.', 'यहाँ अभी तक कोई बैठक रिकॉर्ड नहीं हुई है।');
    } else {
      var n = list.length;
      S.bi($('status'), n + (n === 1 ? ' recording' : ' recordings'), n + ' रिकॉर्डिंग');
    }
  }

  function link(href, en, hi, opts) {
    var a = S.make('a', opts && opts.cls);
    a.href = href;
    S.bi(a, en, hi);
    if (opts && opts.download) a.setAttribute('download', '');
    if (opts && opts.newTab) { a.target = '_blank'; a.rel = 'noopener'; }
    return a;
  }

  // when shows a recording's start as written, in the meeting's own UTC
  // offset: "2023-11-21 14:02".
  function when(at) {
    var m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(at || '');
    return m ? m[1] + ' ' + m[2] : '';
  }

  function fileOf(rec, kind) {
    for (var i = 0; i < rec.files.length; i++) if (rec.files[i].kind === kind) return rec.files[i];
    return null;
  }

  function drawCard(rec) {
    var li = S.make('li', 'card rec');
    li.dataset.id = rec.id;
    li.dataset.state = rec.state;

    var h = S.make('h2', 'rec-title');
    S.bi(h, rec.meeting.title, rec.meeting.title_hi);
    li.append(h);

    var facts = S.make('p', 'rec-facts-line');
    var state = S.make('span', 'badge rec-state-badge');
    if (rec.state === 'finished') S.bi(state, '✓ Finished', 'पूर्ण');
    else S.bi(state, '● Recording now', 'रिकॉर्डिंग जारी');
    var length = S.span(rec.duration_s * 1000);
    var date = S.make('span', 'rec-when');
    date.textContent = when(rec.recording_started_at) + ' · ' + length.en + ' ';
    var dateHi = S.make('span');
    dateHi.lang = 'hi';
    dateHi.textContent = length.hi;
    date.append(dateHi);
    var rooms = S.make('span', 'rec-rooms');
    if (rec.rooms.attended !== null && rec.rooms.attended !== undefined) {
      S.bi(rooms, rec.rooms.attended + ' of ' + rec.rooms.expected + ' rooms attended',
        rec.rooms.expected + ' में से ' + rec.rooms.attended + ' कक्ष उपस्थित');
    } else {
      S.bi(rooms, rec.rooms.expected + ' rooms expected', rec.rooms.expected + ' कक्ष अपेक्षित');
    }
    facts.append(state, ' ', date, ' · ', rooms);
    li.append(facts);

    if (rec.state !== 'finished') {
      var note = S.make('p', 'muted-text');
      S.bi(note, 'The minutes and the audio come when the meeting ends.', 'कार्यवृत्त और ऑडियो बैठक ख़त्म होने पर मिलेंगे।');
      li.append(note);
      return li;
    }

    var links = S.make('p', 'rec-links');
    var minutes = fileOf(rec, 'minutes');
    if (minutes) links.append(link(minutes.url, 'Minutes', 'कार्यवृत्त', { cls: 'rec-minutes', newTab: true }), ' ');
    var md = fileOf(rec, 'minutes_md');
    if (md) links.append(link(md.url + '?download=1', 'Draft minutes (text)', 'कार्यवृत्त का मसौदा', { download: true }), ' ');
    var att = fileOf(rec, 'attendance');
    if (att) links.append(link(att.url, 'Attendance (spreadsheet)', 'उपस्थिति', { download: true }), ' ');
    if (rec.zip) links.append(link(rec.zip, 'Whole folder (zip)', 'पूरा फ़ोल्डर (ज़िप)', { cls: 'rec-zip', download: true }));
    li.append(links);

    var mix = fileOf(rec, 'mix');
    var player = S.make('audio', 'rec-player');
    player.controls = true;
    player.preload = 'none';
    var playing = S.make('p', 'rec-playing');
    if (mix) {
      player.src = mix.url;
      S.bi(playing, 'Playing: the whole meeting', 'चल रहा है: पूरी बैठक');
      li.append(playing, player);
    }

    var roomFiles = rec.files.filter(function (f) { return f.kind === 'room'; });
    if (roomFiles.length) {
      var details = S.make('details', 'rec-rooms-list');
      var sum = S.make('summary');
      S.bi(sum, 'Each room\u2019s audio (' + roomFiles.length + ')', 'हर कक्ष का ऑडियो (' + roomFiles.length + ')');
      details.append(sum);
      var ul = S.make('ul', 'rec-room-files');
      if (mix) ul.append(roomItem(player, playing, { url: mix.url, name: 'Whole meeting', name_hi: 'पूरी बैठक', path: mix.path }));
      roomFiles.forEach(function (f) { ul.append(roomItem(player, playing, f)); });
      details.append(ul);
      li.append(details);
    }

    if (rec.handoff && rec.handoff.length) {
      var ho = S.make('p', 'rec-handoff');
      S.bi(ho, 'Handed over:', 'सौंपा गया:');
      rec.handoff.forEach(function (x) {
        var b = S.make('span', 'badge ' + (x.ok ? 'badge-hear' : 'badge-drops'));
        b.textContent = (x.ok ? '✓ ' : '✗ ') + x.target;
        b.title = x.ok ? when(x.at) : (x.reason || '');
        ho.append(' ', b);
      });
      li.append(ho);
    }

    var tech = S.make('p', 'rec-tech muted-text');
    var man = fileOf(rec, 'manifest'), ev = fileOf(rec, 'events');
    S.bi(tech, 'For IT staff:', 'आईटी स्टाफ़ के लिए:');
    if (man) tech.append(' ', link(man.url, 'meeting.json', '', { newTab: true }));
    if (ev) tech.append(' ', link(ev.url + '?download=1', 'events.jsonl', '', { download: true }));
    li.append(tech);
    return li;
  }

  // roomItem is a room's line: play it in the card's player, or download.
  function roomItem(player, playing, f) {
    var li = S.make('li');
    var play = S.make('button', 'rec-play');
    play.type = 'button';
    play.dataset.path = f.path;
    S.bi(play, '▶ ' + f.name, f.name_hi);
    play.addEventListener('click', function () {
      if (player.getAttribute('src') !== f.url) player.src = f.url;
      S.bi(playing, 'Playing: ' + f.name, f.name_hi ? 'चल रहा है: ' + f.name_hi : '');
      player.play().catch(function () { /* the user can press play */ });
    });
    li.append(play, ' ', link(f.url + '?download=1', 'download', 'डाउनलोड', { download: true }), ' ',
      S.make('span', 'muted-text'));
    li.lastChild.textContent = S.bytes(f.bytes);
    return li;
  }

  S.onTokenForm(tokenKey, function (v) {
    token = v;
    message('');
    load();
  });

  token = S.readToken(tokenKey);
  if (token) load();
  else askToken();
})();
