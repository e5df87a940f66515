// The live view of an office's floor: replaces `div#live` with a fresh copy
// from the server whenever something changes. With `data-events` it listens
// to the server's event stream (the kiosk's dashboard); with `data-poll` it
// asks again every so many seconds (the collector's near-live view).
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live) return;
  var fragment = live.getAttribute('data-fragment');
  var busy = false;
  var again = false;
  window.__liveUpdates = 0;

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(fragment, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('live');
        if (fresh) {
          live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
          window.__liveUpdates += 1;
        }
        setStale(false);
      })
      .catch(function () { setStale(true); })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function setStale(on) {
    var note = document.getElementById('live-stale');
    if (note) note.hidden = !on;
  }

  var events = live.getAttribute('data-events');
  var poll = Number(live.getAttribute('data-poll'));
  if (events && window.EventSource) {
    var first = true;
    var source = new EventSource(events);
    source.addEventListener('snapshot', function () {
      // The first snapshot is the page as served.
      if (first) { first = false; return; }
      refresh();
    });
    source.onerror = function () { setStale(true); };
    source.onopen = function () { setStale(false); };
  } else if (poll > 0) {
    setInterval(refresh, poll * 1000);
  }
})();
