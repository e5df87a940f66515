// The counter console: keeps the elapsed service time of the ticket being
// served running (the page itself is plain forms). The kiosk renders the
// seconds elapsed so far; this browser's own clock only adds to them.
(function () {
  'use strict';
  var el = document.getElementById('service-elapsed');
  if (!el) return;
  var base = Number(el.getAttribute('data-elapsed')) || 0;
  var en = el.getAttribute('data-lang') === 'en';
  var shown = Date.now();
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function show() {
    var s = base + Math.max(0, Math.floor((Date.now() - shown) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    el.textContent = h > 0
      ? (en ? h + ' h ' + pad(m) + ' min' : h + ' jam ' + pad(m) + ' mnt')
      : (en ? m + ' min ' + pad(sec) + ' s' : m + ' mnt ' + pad(sec) + ' dtk');
  }
  setInterval(show, 1000);
})();
