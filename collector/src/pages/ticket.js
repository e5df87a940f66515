// The ticket's phone link: asks where the ticket stands every few seconds
// and updates the position in place; reloads when the state changes (called,
// completed: the page becomes the rating form). The page works without it.
(function () {
  'use strict';
  var root = document.getElementById('ticket');
  if (!root) return;
  var state = root.getAttribute('data-state');
  if (['unknown', 'waiting', 'called'].indexOf(state) < 0) return;
  var url = root.getAttribute('data-status');
  function aheadText(n) {
    if (n === 0) return root.getAttribute('data-ahead-0');
    if (n === 1) return root.getAttribute('data-ahead-1');
    return root.getAttribute('data-ahead-n').replace('{n}', String(n));
  }
  function check() {
    fetch(url, { cache: 'no-store', credentials: 'omit' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        if (s.state !== state) { window.location.reload(); return; }
        var ahead = document.getElementById('ahead');
        if (ahead && typeof s.ahead === 'number') {
          var text = aheadText(s.ahead);
          if (ahead.textContent !== text) ahead.textContent = text;
        }
      })
      .catch(function () { /* try again at the next tick */ })
      .then(function () { setTimeout(check, 4000); });
  }
  setTimeout(check, 4000);
})();
