/* Baotong checkpoint page: scan or paste a pass, POST /passes/verify with the sign-in session, show PASS / STOP
 * with every reason in the page's language.  The officer is signed in by the session cookie (HttpOnly: this
 * script cannot read it); Baotong.fetch (/static/app/app.js) sends the session's CSRF token and the page's
 * language.  Only the last checkpoint position is kept in localStorage (it is no secret). */
(function () {
  "use strict";
  var LOCATION_KEY = "baotong.checkpoint.location";
  var OLD_TOKEN_KEY = "baotong.checkpoint.token";  // where an earlier version of this page kept a bearer token
  var $ = function (id) { return document.getElementById(id); };
  var scanner = null;
  var texts = {};

  function t(key, values) {
    var text = texts[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  function fill(listId, items) {
    var list = $(listId);
    list.textContent = "";
    (items || []).forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.text;
      if (item.code) { li.dataset.code = item.code; }
      list.appendChild(li);
    });
  }

  function setResult(kind, title, sub, reasons, facts) {
    var box = $("result");
    box.className = "ckpt-result " + kind;
    box.dataset.verdict = kind;
    $("verdict").textContent = title;
    $("verdict-sub").textContent = sub || "";
    fill("reasons", reasons);
    fill("facts", facts);
    $("signin-again").hidden = true;
  }

  function problem(sub, details) {
    setResult("error", "?", sub, (details || []).map(function (d) { return {text: d}; }));
  }

  function parseLocation(text) {
    var parts = String(text || "").split(/[,\s]+/).filter(Boolean).map(Number);
    if (parts.length !== 2 || !parts.every(isFinite)) { return null; }
    if (Math.abs(parts[0]) > 180 || Math.abs(parts[1]) > 90) { return null; }
    return parts;
  }

  function locate() {
    if (!navigator.geolocation) { problem(t("no_geo")); return; }
    $("verdict-sub").textContent = t("locating");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var text = pos.coords.longitude.toFixed(6) + "," + pos.coords.latitude.toFixed(6);
      $("location").value = text;
      localStorage.setItem(LOCATION_KEY, text);
      $("verdict-sub").textContent = t("located", {m: Math.round(pos.coords.accuracy)});
    }, function (err) {
      problem(t("geo_failed", {error: err.message}));
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }

  function facts(data) {
    var out = [];
    var pass = data.pass;
    if (pass) {
      out.push({text: t("pass_no") + " " + pass.pass_no + " · " + t("plate") + " " + pass.plate});
      out.push({text: t("enterprise") + " " + pass.enterprise_id});
      if (data.valid_text) { out.push({text: t("valid") + " " + data.valid_text}); }
    }
    (data.note_texts || []).forEach(function (note, i) { out.push({text: note, code: (data.notes[i] || "").split(":")[0]}); });
    if (data.checked_at_text) { out.push({text: t("checked_at") + " " + data.checked_at_text}); }
    return out;
  }

  function reasons(data) {
    return (data.reason_texts || []).map(function (text, i) { return {text: text, code: data.codes[i]}; });
  }

  function detailOf(data) {
    if (typeof data.detail === "string") { return data.detail; }
    return JSON.stringify(data.detail || data);
  }

  function verify() {
    var token = $("token").value.trim();
    var where = parseLocation($("location").value);
    if (!token) { problem(t("need_token")); return; }
    if (!where) { problem(t("need_location")); return; }
    localStorage.setItem(LOCATION_KEY, $("location").value.trim());
    var body = {token: token, checkpoint: where};
    var plate = $("plate").value.trim();
    if (plate) { body.plate = plate; }
    setResult("busy", "…", t("busy"));
    window.Baotong.fetch("/passes/verify", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().then(function (data) { return {status: resp.status, data: data}; },
        function () { return {status: resp.status, data: {}}; });
    }).then(function (r) {
      if (r.status === 200 && r.data.verdict === "pass") {
        setResult("pass", t("pass"), t("pass_sub"), [], facts(r.data));
      } else if (r.status === 200) {
        setResult("stop", t("stop"), t("stop_sub"), reasons(r.data), facts(r.data));
      } else if (r.status === 401) {
        problem(t("signed_out"), [detailOf(r.data)]);
        $("signin-again").hidden = false;
      } else if (r.status === 403) {
        problem(t("refused", {status: r.status}), [detailOf(r.data)]);
      } else {
        problem(t("request_error", {status: r.status}), [detailOf(r.data)]);
      }
    }).catch(function (err) {
      problem(t("network_error", {error: err.message}));
    });
  }

  function startScan() {
    if (typeof QrScanner === "undefined") { problem(t("no_qr")); return; }
    var video = $("video");
    video.hidden = false;
    $("stop-scan-btn").hidden = false;
    scanner = new QrScanner(video, function (result) {
      $("token").value = (result && result.data) || String(result);
      stopScan();
      verify();
    }, {returnDetailedScanResult: true, preferredCamera: "environment", maxScansPerSecond: 10});
    scanner.start().catch(function (err) {
      stopScan();
      problem(t("camera_failed", {error: err}));
    });
  }

  function stopScan() {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    $("video").hidden = true;
    $("stop-scan-btn").hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    texts = JSON.parse($("ckpt").dataset.texts || "{}");
    localStorage.removeItem(OLD_TOKEN_KEY);
    $("location").value = localStorage.getItem(LOCATION_KEY) || "";
    $("verify-btn").addEventListener("click", verify);
    $("locate-btn").addEventListener("click", locate);
    $("scan-btn").addEventListener("click", startScan);
    $("stop-scan-btn").addEventListener("click", stopScan);
    $("token").addEventListener("paste", function () { setTimeout(verify, 0); });
  });
})();
