/* The enterprise's passes: renew (POST /passes/{no}/renew) or cancel (POST /passes/{no}/cancel, a second click
 * confirms), the same calls a program makes; the page is read again afterwards. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("tp-passes");
    var T = window.BaotongTrips;
    var tz = box.dataset.timezone;

    function act(button, url, payload) {
      var card = button.closest(".tp-pass");
      var error = card.querySelector(".tp-pass-error");
      button.disabled = true;
      error.textContent = "";
      T.callJson(url, "POST", payload).then(function (answer) {
        if (answer.ok) {
          window.location.reload();
          return;
        }
        button.disabled = false;
        error.textContent = T.detailOf(answer.body, answer.status);
      }).catch(function (err) { button.disabled = false; error.textContent = String(err); });
    }

    box.querySelectorAll(".tp-renew").forEach(function (button) {
      button.addEventListener("click", function () {
        act(button, "/passes/" + button.dataset.pass + "/renew", {valid_until: T.zonedIso(box.dataset.until, tz)});
      });
    });
    box.querySelectorAll(".tp-cancel").forEach(function (button) {
      button.addEventListener("click", function () {
        if (!button.dataset.armed) {
          button.dataset.armed = "1";
          button.dataset.label = button.textContent;
          button.textContent = box.dataset.confirm;
          return;
        }
        act(button, "/passes/" + button.dataset.pass + "/cancel", {});
      });
    });
  });
})();
