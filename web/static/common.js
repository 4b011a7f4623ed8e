// common.js: what the join page, the roll call and the recordings page
// share. The websocket session that joins, reconnects with backoff and
// stops on fatal errors; tokens from the URL fragment or the token form;
// bilingual labels; time formatting.
// Plain browser JavaScript, no modules, so it also loads in node for tests.
'use strict';

var samvad = (function () {
  // Errors after which reconnecting cannot help: the server refuses us, or
  // this room is now connected from another window (fighting it would
  // knock both out in turn).
  var STOP_CODES = { bad_token: true, unknown_room: true, unknown_meeting: true, replaced: true };

  // bi fills el with an English text and its Hindi beside it, the Hindi
  // marked lang="hi" so screen readers and fonts treat it as Hindi.
  function bi(el, en, hi) {
    el.textContent = en;
    if (hi) {
      var s = document.createElement('span');
      s.lang = 'hi';
      s.textContent = hi;
      el.append(' ', s);
    }
    return el;
  }

  function make(tag, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    return el;
  }

  // tokenFromHash reads "token=..." from a fragment such as
  // "#token=abc" or "#token=abc&x=y".
  function tokenFromHash(hash) {
    var h = (hash || '').replace(/^#/, '');
    var parts = h.split('&');
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].split('=');
      if (kv[0] === 'token' && kv.length > 1) {
        try { return decodeURIComponent(kv.slice(1).join('=').replace(/\+/g, ' ')); } catch (e) { return ''; }
      }
    }
    return '';
  }

  // readToken takes the token from the link's fragment, keeps it in this
  // tab's sessionStorage (so a reload still works) and removes it from the
  // address bar, where a screen share or a shoulder could read it. The
  // fragment is never sent to the server, and neither is anything else
  // that holds the token: it only travels inside the websocket's join.
  function readToken(key) {
    var t = tokenFromHash(location.hash);
    if (t) {
      storeToken(key, t);
      history.replaceState(null, '', location.pathname);
      return t;
    }
    try { return sessionStorage.getItem(key) || ''; } catch (e) { return ''; }
  }
  function storeToken(key, t) {
    try { sessionStorage.setItem(key, t); } catch (e) { /* private mode: memory only */ }
  }
  function forgetToken(key) {
    try { sessionStorage.removeItem(key); } catch (e) { /* nothing stored */ }
  }

  // onTokenForm hands use the code typed into the page's token form
  // (#token-form, #token-input), kept like one from a link, and hides the
  // form. use runs inside the submit, a user's gesture, so a page may start
  // audio there.
  function onTokenForm(key, use) {
    var form = document.getElementById('token-form');
    var input = document.getElementById('token-input');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var v = input.value.trim();
      if (!v) return;
      storeToken(key, v);
      input.value = '';
      form.hidden = true;
      use(v);
    });
  }

  function wsURL() {
    return (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';
  }

  // clockOf shows the wall-clock time of a protocol timestamp as written,
  // in the meeting's own UTC offset, whatever the laptop's time zone.
  function clockOf(at) {
    var m = /T(\d\d:\d\d:\d\d)/.exec(at || '');
    return m ? m[1] : '';
  }

  // offsetOf returns the UTC offset of an RFC 3339 time, in ms.
  function offsetOf(at) {
    var m = /([+-])(\d\d):(\d\d)$/.exec(at || '');
    if (!m) return 0;
    var ms = (Number(m[2]) * 60 + Number(m[3])) * 60000;
    return m[1] === '-' ? -ms : ms;
  }

  // clockNow is the time now in the given UTC offset, as HH:MM:SS.
  function clockNow(offsetMs) {
    return new Date(Date.now() + offsetMs).toISOString().slice(11, 19);
  }

  // parseDuration reads a Go duration string ("10m0s", "1h30m", "90s") as ms.
  function parseDuration(s) {
    var re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g;
    var unit = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    var total = 0, m, seen = false;
    while ((m = re.exec(s || '')) !== null) {
      total += parseFloat(m[1]) * unit[m[2]];
      seen = true;
    }
    return seen ? total : NaN;
  }

  // span formats a length of time in English and Hindi: "45 s", "3 min",
  // "1 h 05 min".
  function span(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return { en: s + ' s', hi: s + ' सेकंड' };
    var min = Math.floor(s / 60);
    if (min < 60) return { en: min + ' min', hi: min + ' मिनट' };
    var h = Math.floor(min / 60), mm = ('0' + (min % 60)).slice(-2);
    return { en: h + ' h ' + mm + ' min', hi: h + ' घंटा ' + mm + ' मिनट' };
  }

  // hms formats seconds as H:MM:SS.
  function hms(sec) {
    sec = Math.max(0, Math.floor(sec));
    var h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
    return h + ':' + ('0' + m).slice(-2) + ':' + ('0' + s).slice(-2);
  }

  function bytes(n) {
    if (!(n > 0)) return '0';
    var units = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)) + ' ' + units[i];
  }

  // Session is one client's websocket to the meeting: it joins, hands
  // every message to onMessage, and after a lost connection joins again
  // by itself, with growing pauses (1, 2, 4, 8, 10 s, with jitter so that
  // 24 rooms behind one broken router do not all return in step). A
  // second join replaces the dead session on the server, so a room is
  // never locked out by its own old connection.
  //
  // opts: join() → the join message; onMessage(m); onState(state, info)
  // with state connecting | connected | waiting | offline | stopped;
  // onClosed() when a connection ends, before any reconnect.
  function Session(opts) {
    this.opts = opts;
    this.ws = null;
    this.gen = 0;
    this.attempt = 0;
    this.timer = null;
    this.running = false;
    this.everConnected = false;
    var self = this;
    window.addEventListener('online', function () {
      if (self.running && !self.ws) self.open();
    });
    window.addEventListener('offline', function () {
      if (self.running && !self.ws) self.opts.onState('offline', {});
    });
  }

  Session.prototype.start = function () {
    this.running = true;
    this.attempt = 0;
    this.open();
  };

  Session.prototype.open = function () {
    clearTimeout(this.timer);
    this.timer = null;
    var self = this, gen = ++this.gen, stopCode = null, stopText = '';
    var ws;
    try {
      ws = new WebSocket(wsURL());
    } catch (e) {
      this.schedule();
      return;
    }
    this.ws = ws;
    this.opts.onState('connecting', { attempt: this.attempt, reconnect: this.everConnected });
    ws.onopen = function () {
      if (gen === self.gen) ws.send(JSON.stringify(self.opts.join()));
    };
    ws.onmessage = function (ev) {
      if (gen !== self.gen) return;
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === 'welcome') {
        var again = self.everConnected;
        self.attempt = 0;
        self.everConnected = true;
        self.opts.onState('connected', { reconnected: again });
      } else if (m.type === 'error' && STOP_CODES[m.code]) {
        stopCode = m.code;
        stopText = m.message || '';
      }
      self.opts.onMessage(m);
    };
    ws.onclose = function (ev) {
      if (gen !== self.gen) return;
      self.ws = null;
      self.opts.onClosed();
      if (!self.running) return;
      if (stopCode) {
        self.running = false;
        self.opts.onState('stopped', { code: stopCode, message: stopText });
        return;
      }
      self.schedule(ev.code);
    };
  };

  Session.prototype.schedule = function (closeCode) {
    this.attempt++;
    if (navigator.onLine === false) {
      this.opts.onState('offline', { attempt: this.attempt });
      return; // the online event opens again
    }
    var base = Math.min(10000, 1000 * Math.pow(2, this.attempt - 1));
    var delay = Math.round(base * (0.75 + Math.random() * 0.5));
    var self = this;
    this.timer = setTimeout(function () { self.open(); }, delay);
    this.opts.onState('waiting', { attempt: this.attempt, until: Date.now() + delay, closeCode: closeCode });
  };

  Session.prototype.send = function (m) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(m));
      return true;
    }
    return false;
  };

  Session.prototype.connected = function () {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  };

  // drop abandons the current connection (its media failed, or it went
  // quiet) and reconnects at once. The old socket's handlers are cut off
  // first: closing a socket whose network is gone can take a long time.
  Session.prototype.drop = function () {
    if (!this.running || !this.ws) return; // already waiting to reconnect
    var ws = this.ws;
    this.gen++;
    this.ws = null;
    if (ws) { try { ws.close(); } catch (e) { /* already closing */ } }
    this.opts.onClosed();
    this.schedule();
  };

  // stop ends the session for good, saying leave first when asked.
  Session.prototype.stop = function (leave) {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
    var ws = this.ws;
    this.gen++;
    this.ws = null;
    if (ws) {
      if (leave && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'leave' }));
      // After leave the server closes the socket itself; closing here too
      // would race the leave and could turn "left" into "dropped".
      if (!leave) { try { ws.close(); } catch (e) { /* closing */ } }
    }
    this.opts.onClosed();
  };

  return {
    bi: bi, make: make, tokenFromHash: tokenFromHash, readToken: readToken,
    storeToken: storeToken, forgetToken: forgetToken, onTokenForm: onTokenForm, wsURL: wsURL,
    clockOf: clockOf, offsetOf: offsetOf, clockNow: clockNow,
    parseDuration: parseDuration, span: span, hms: hms, bytes: bytes,
    Session: Session, STOP_CODES: STOP_CODES
  };
})();

if (typeof module !== 'undefined') module.exports = samvad;
