// Counter tablet: asks the citizen for one rating per completed ticket.
// Polls the counter's current ticket; after a face, offers the SKM survey;
// sends once (Kirim, Lewati, or after 20 s idle); thanks; resets.
// Inline scripts ignore `defer`: wait for the page before touching it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var root = document.getElementById("tablet");
  var counter = root.getAttribute("data-counter");
  var IDLE_MS = 20000, THANKS_MS = 6000, POLL_MS = 2000;
  var screens = ["screen-rate", "screen-survey", "screen-thanks", "screen-notice"];
  var label = document.getElementById("ticket-label");
  var labelNumber = document.getElementById("ticket-number-label");
  var progress = document.getElementById("survey-progress");
  var errorBox = document.getElementById("send-error");
  var comment = document.getElementById("comment");
  var st;

  function fresh(handled) {
    return { ticket: null, score: null, answers: {}, sending: false, idle: null, handled: handled || null };
  }

  function show(id) {
    screens.forEach(function (s) { document.getElementById(s).hidden = s !== id; });
  }

  function poll() {
    if (st.score !== null) { return; }
    fetch("/api/counters/" + encodeURIComponent(counter) + "/current", { cache: "no-store" })
      .then(function (r) {
        // Unpaired or revoked: the page itself says what the operator must do.
        if (r.status === 401 || r.status === 403) { unpaired(); return null; }
        return r.status === 200 ? r.json() : null;
      })
      .then(function (t) {
        if (st.score !== null) { return; }
        if (t && t.ticket_id !== st.handled) {
          st.ticket = t;
          labelNumber.textContent = t.number;
          label.hidden = false;
        } else {
          st.ticket = null;
          label.hidden = true;
        }
      })
      .catch(function () { /* offline for a moment: keep the screen */ });
  }

  function armIdle() {
    clearTimeout(st.idle);
    st.idle = setTimeout(function () { send(true); }, IDLE_MS);
  }

  function answeredAll() {
    for (var i = 1; i <= 9; i++) { if (!st.answers["U" + i]) { return false; } }
    return true;
  }

  function send(withSurvey) {
    if (st.sending || st.score === null) { return; }
    st.sending = true;
    clearTimeout(st.idle);
    var body = { score: st.score };
    if (st.ticket) { body.ticket_id = st.ticket.ticket_id; } else { body.counter = counter; }
    if (withSurvey) {
      if (answeredAll()) {
        body.answers = [];
        for (var i = 1; i <= 9; i++) { body.answers.push(st.answers["U" + i]); }
      }
      var text = comment.value.trim();
      if (text) { body.comment = text; }
    }
    fetch("/api/ratings", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401 || r.status === 403) { unpaired(); return null; }
      return r.json().then(function (e) {
        if (r.status === 201 || (r.status === 409 && e.error === "already_rated")) {
          thanks();
        } else if (r.status === 409) {
          // Closed for this ticket (next call, 10 minutes) or nobody at the counter.
          notice(e.message);
        } else {
          failed(e.message);
        }
      });
    }).catch(function () { failed(errorBox.getAttribute("data-offline")); });
  }

  function unpaired() {
    window.location.replace(window.location.pathname);
  }

  function notice(message) {
    var handled = st.ticket ? st.ticket.ticket_id : st.handled;
    document.getElementById("notice-text").textContent = message;
    show("screen-notice");
    setTimeout(function () { reset(handled); }, THANKS_MS);
  }

  function failed(message) {
    st.sending = false;
    errorBox.textContent = message || errorBox.getAttribute("data-offline");
    errorBox.hidden = false;
    armIdle();
  }

  function thanks() {
    var handled = st.ticket ? st.ticket.ticket_id : st.handled;
    show("screen-thanks");
    setTimeout(function () { reset(handled); }, THANKS_MS);
  }

  function reset(handled) {
    clearTimeout(st && st.idle);
    st = fresh(handled);
    document.querySelectorAll(".selected").forEach(function (b) { b.classList.remove("selected"); });
    comment.value = "";
    errorBox.hidden = true;
    label.hidden = true;
    progress.textContent = "0";
    show("screen-rate");
    poll();
  }

  document.querySelectorAll("button.face").forEach(function (b) {
    b.addEventListener("click", function () {
      st.score = parseInt(b.getAttribute("data-score"), 10);
      b.classList.add("selected");
      show("screen-survey");
      window.scrollTo(0, 0);
      armIdle();
    });
  });
  document.querySelectorAll("fieldset[data-element]").forEach(function (fs) {
    var el = fs.getAttribute("data-element");
    fs.querySelectorAll("button.answer").forEach(function (b) {
      b.addEventListener("click", function () {
        fs.querySelectorAll("button.answer").forEach(function (o) { o.classList.remove("selected"); });
        b.classList.add("selected");
        st.answers[el] = parseInt(b.getAttribute("data-value"), 10);
        progress.textContent = String(Object.keys(st.answers).length);
        armIdle();
      });
    });
  });
  comment.addEventListener("input", armIdle);
  document.getElementById("send").addEventListener("click", function () { send(true); });
  document.querySelectorAll("button.skip").forEach(function (b) {
    b.addEventListener("click", function () { send(false); });
  });

  reset(null);
  setInterval(poll, POLL_MS);
});
