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

  // Codes pasted or autofilled with spaces still fit the field.
  var code = document.getElementById("code");
  if (code) {
    code.addEventListener("input", function () {
      var digits = code.value.replace(/[^0-9]/g, "").slice(0, 6);
      if (digits !== code.value) { code.value = digits; }
    });
  }
})();
