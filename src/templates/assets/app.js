// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Same browser that asked: the link page submits its one button for the person.
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) { auto.submit(); }

  // The waiting browser polls for a cross-device approval.
  var main = document.querySelector("main[data-poll]");
  if (main) {
    var url = main.getAttribute("data-poll");
    var next = main.getAttribute("data-next") || "/account";
    var status = document.querySelector("[data-poll-status]");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (res.ok && res.body.status === "approved") { window.location.assign(next); return; }
          if (res.ok && res.body.status === "expired") { if (status) { status.textContent = status.getAttribute("data-ended"); } return; }
          setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 4000); });
    };
    setTimeout(poll, 2000);
  }

  // The dev inbox waits for the next message (a long poll on /dev/inbox.json) and
  // reloads when one arrives.
  var inbox = document.querySelector("main[data-refresh]");
  if (inbox) {
    var waitFor = function () {
      fetch(inbox.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
        .then(function (body) {
          if (body.messages && body.messages.length > 0) { window.location.reload(); return; }
          setTimeout(waitFor, 250);
        })
        .catch(function () { setTimeout(waitFor, 3000); });
    };
    waitFor();
  }

  // Codes pasted or autofilled with spaces still fit the field.
  var code = document.getElementById("code");
  if (code) {
    code.addEventListener("input", function () {
      var digits = code.value.replace(/[^0-9]/g, "").slice(0, 6);
      if (digits !== code.value) { code.value = digits; }
    });
  }
})();
