// The display board: keeps the page live from the kiosk's event stream and
// speaks every new call, one after another. The voice is the kiosk's own
// clips (no internet, no installed voice needed); `?suara=browser` uses the
// browser's speech voice, `?suara=mati` keeps the board silent.
//
// Test hooks: `window.__announced` lists the calls announced (call id,
// number, the clips), `window.__audioRequests` every clip in the order it
// was asked to play.
(function () {
  'use strict';
  var board = document.getElementById('board');
  if (!board) return;
  var T = JSON.parse(board.getAttribute('data-text'));
  var voice = board.getAttribute('data-voice');
  var offset = Number(board.getAttribute('data-offset')) * 1000;
  var tz = board.getAttribute('data-tz');
  // The kiosk's clock minus this screen's: a TV's own clock is often wrong.
  var drift = Number(board.getAttribute('data-now')) - Date.now();
  var lastCall = Number(board.getAttribute('data-last-call')) || 0;
  var enable = document.getElementById('enable-sound');
  var offline = document.getElementById('offline');
  window.__announced = [];
  window.__audioRequests = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  function tick() {
    var d = new Date(Date.now() + drift + offset);
    document.getElementById('clock').textContent =
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + ' ' + tz;
    document.getElementById('date').textContent =
      T.days[d.getUTCDay()] + ', ' + d.getUTCDate() + ' ' + T.months[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }

  function counterState(c) {
    if (c.on_break) return ['break', T.on_break];
    if (c.status === 'serving') return ['serving', T.serving];
    if (c.status === 'idle') return ['idle', T.idle];
    return ['closed', T.closed];
  }

  // The last calls: each number once (a recall does not push the others
  // off the board), never the one shown big.
  function earlier(calls) {
    var seen = {};
    if (calls[0]) seen[calls[0].number] = true;
    return calls.slice(1).filter(function (c) {
      if (seen[c.number]) return false;
      seen[c.number] = true;
      return true;
    }).slice(0, 6);
  }

  function render(d) {
    var now = d.calls[0];
    var num = document.getElementById('now-number');
    var ctr = document.getElementById('now-counter');
    if (now) {
      num.textContent = now.number;
      num.className = '';
      num.setAttribute('data-call-id', now.call_id);
      ctr.textContent = now.counter_name;
      num.nextElementSibling.textContent = T.go_to;
    } else {
      num.textContent = '—';
      num.className = 'none';
      num.nextElementSibling.textContent = '';
      ctr.textContent = T.no_calls;
    }
    var calls = document.getElementById('calls');
    calls.replaceChildren();
    earlier(d.calls).forEach(function (c) {
      var li = el('li');
      li.setAttribute('data-call-id', c.call_id);
      li.appendChild(el('span', 'num', c.number));
      li.appendChild(el('span', 'to', '→'));
      li.appendChild(el('span', 'ctr', c.counter_name));
      calls.appendChild(li);
    });
    var waiting = document.getElementById('waiting-list');
    waiting.replaceChildren();
    d.waiting.forEach(function (w) {
      var li = el('li');
      li.setAttribute('data-service', w.service);
      li.appendChild(el('span', 'prefix', w.prefix));
      li.appendChild(el('span', 'name', w.name));
      li.appendChild(el('strong', 'count', w.waiting));
      waiting.appendChild(li);
    });
    var counters = document.getElementById('counter-list');
    counters.replaceChildren();
    d.counters.forEach(function (c) {
      var s = counterState(c);
      var li = el('li', s[0]);
      li.setAttribute('data-counter', c.counter);
      li.appendChild(el('span', 'name', c.name));
      li.appendChild(el('span', 'state', s[1]));
      if (c.serving) li.appendChild(el('strong', 'num', c.serving));
      counters.appendChild(li);
    });
    drift = Date.parse(d.now) - Date.now();
  }

  // ---- the voice: one queue, so calls never overlap.
  var queue = [];
  var busy = false;
  var player = new Audio();
  player.preload = 'auto';

  function flash() {
    var now = document.getElementById('now');
    now.classList.remove('flash');
    void now.offsetWidth;
    now.classList.add('flash');
  }

  function announce(call) {
    window.__announced.push({ call_id: call.call_id, number: call.number, audio: call.audio.slice() });
    flash();
    if (voice === 'off') return;
    queue.push(call);
    if (!busy) nextCall();
  }

  function nextCall() {
    var call = queue.shift();
    if (!call) { busy = false; return; }
    busy = true;
    if (voice === 'browser' && window.speechSynthesis && window.SpeechSynthesisUtterance) {
      // The chime, then the browser's voice.
      playClips([call.audio[0]], function () { speak(call.spoken, pause); });
    } else {
      playClips(call.audio, pause);
    }
  }

  function pause() { setTimeout(nextCall, 800); }

  function speak(text, done) {
    var u = new SpeechSynthesisUtterance(text);
    u.lang = 'id-ID';
    u.rate = 0.9;
    var finished = false;
    function end() { if (!finished) { finished = true; done(); } }
    u.onend = end;
    u.onerror = end;
    // Some browsers never end an utterance without a voice: move on anyway.
    setTimeout(end, 15000);
    window.speechSynthesis.speak(u);
  }

  function playClips(clips, done) {
    var i = 0;
    var watchdog = null;
    function advance(at) {
      // Only the clip that is playing may move the sequence on.
      if (at !== i) return;
      clearTimeout(watchdog);
      i += 1;
      step();
    }
    function step() {
      if (i >= clips.length) { done(); return; }
      var at = i;
      var src = clips[at];
      window.__audioRequests.push(src);
      player.onended = function () { advance(at); };
      // A clip that cannot play is skipped, so the board never stalls.
      player.onerror = function () { advance(at); };
      player.src = src;
      var p = player.play();
      if (p && p.then) {
        p.then(function () {
          // A clip that neither ends nor fails (a sound card gone away)
          // is given up after its length and a margin.
          var ms = (isFinite(player.duration) ? player.duration * 1000 : 2000) + 3000;
          watchdog = setTimeout(function () { advance(at); }, ms);
        }, function (err) {
          if (err && err.name === 'NotAllowedError') {
            // The browser wants a touch first: offer the button, and play
            // this clip again once sound is on.
            window.__audioRequests.pop();
            enable.hidden = false;
            enable.onclick = function () { enable.hidden = true; step(); };
          } else {
            advance(at);
          }
        });
      }
    }
    step();
  }

  function onSnapshot(d) {
    var newest = d.calls.length ? d.calls[0].call_id : 0;
    // A restarted kiosk counts its calls from 1 again.
    if (newest < lastCall) lastCall = 0;
    var fresh = d.calls.filter(function (c) { return c.call_id > lastCall; }).reverse();
    render(d);
    fresh.forEach(announce);
    lastCall = Math.max(lastCall, newest);
  }

  tick();
  setInterval(tick, 1000);
  var source = new EventSource(board.getAttribute('data-events'));
  source.addEventListener('display', function (e) {
    offline.hidden = true;
    try { onSnapshot(JSON.parse(e.data)); } catch (err) { /* keep the last board */ }
  });
  source.onerror = function () { offline.hidden = false; };
})();
