/* The approvers' queue: approve or reject a closure with a note, by the same POST a program makes. */
(function () {
  "use strict";
  var detailOf = function (body, status) { return window.Baotong.detailOf(body, status); };
  function decide(form, action) {
    var id = form.dataset.closure;
    var out = form.querySelector(".ap-result");
    var buttons = form.querySelectorAll("button");
    var note = form.querySelector("textarea").value.trim();
    buttons.forEach(function (b) { b.disabled = true; });
    out.className = "ap-result";
    out.textContent = "…";
    window.Baotong.fetch("/closures/" + encodeURIComponent(id) + "/" + action, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(note ? {note: note} : {})
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok) {
          out.className = "ap-result ap-ok";
          out.dataset.outcome = body && body.status;
          out.textContent = action === "approve" ? form.dataset.approved : form.dataset.rejected;
          window.setTimeout(function () { window.location.reload(); }, 800);
          return;
        }
        out.className = "ap-result bt-error";
        out.dataset.outcome = "error";
        out.textContent = detailOf(body, response.status);
        buttons.forEach(function (b) { b.disabled = b.classList.contains("ap-approve") && b.dataset.blocked === "1"; });
      });
    }).catch(function (err) {
      out.className = "ap-result bt-error";
      out.dataset.outcome = "error";
      out.textContent = String(err);
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.ap-decide").forEach(function (form) {
      form.querySelectorAll("button.ap-approve").forEach(function (b) { if (b.disabled) { b.dataset.blocked = "1"; } });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var action = event.submitter && event.submitter.value === "approve" ? "approve" : "reject";
        decide(form, action);
      });
    });
  });
})();
