/* Baotong checkpoint page: scan or paste a pass, POST /passes/verify with the sign-in session, show PASS / STOP
 * with every reason in the page's language.  The officer is signed in by the session cookie (HttpOnly: this
 * script cannot read it); Baotong.fetch (/static/app/app.js) sends the session's CSRF token and the page's
 * language.  Only the last checkpoint position is kept in localStorage (it is no secret).
 *
 * Without signal (navigator.onLine false, or the request fails on the network) the pass is verified here
 * (BaotongVerify, /static/checkpoint/verify.js) against the public keys and the revocation list the service
 * worker (/checkpoint/sw.js) keeps, and the scan is queued in IndexedDB with the device's time and place and
 * an idempotency key; the queue is uploaded to POST /passes/scans/offline on load and whenever the signal
 * returns.  An upload the server refuses (4xx) stays in the queue, shown to the officer, and is not sent
 * again; a sign-in that ended (401) waits for the next sign-in. */
(function () {
  "use strict";
  var LOCATION_KEY = "baotong.checkpoint.location";
  var OLD_TOKEN_KEY = "baotong.checkpoint.token";  // where an earlier version of this page kept a bearer token
  var $ = function (id) { return document.getElementById(id); };
  var DB_NAME = "baotong-checkpoint";
  var STORE = "scans";
  var STALE_MS = 24 * 3600 * 1000;
  var scanner = null;
  var texts = {};
  var messages = {};
  var trust = {jwks: null, list: null, checkedAt: null};
  var flushing = null;

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
    box.dataset.mode = "";
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
    if (!navigator.onLine) { return verifyOffline(token, where, plate); }
    return window.Baotong.fetch("/passes/verify", {
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
      $("result").dataset.mode = "online";
      if (r.status === 200) { flush(); }  // the server answers: what waits in the queue can go too
    }, function () {
      return verifyOffline(token, where, plate);  // no answer from the server: the signal is gone
    }).catch(function (err) {
      problem(t("network_error", {error: err.message}));
    });
  }

  // -- what the device keeps to verify offline: the public keys and the revocation list -------------------
  // "10:32" today, else "2026-12-01 10:32": in the bureau's zone (the page's data-timezone), as every page shows time
  function shortTime(date) {
    var tz = $("ckpt").dataset.timezone || undefined;
    var parts = function (d) {
      var v = {};
      new Intl.DateTimeFormat("en-US", {
        timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
      }).formatToParts(d).forEach(function (p) { v[p.type] = p.value; });
      return v;
    };
    var v = parts(date), today = parts(new Date());
    var hm = v.hour + ":" + v.minute;
    if (v.year === today.year && v.month === today.month && v.day === today.day) { return hm; }
    return v.year + "-" + v.month + "-" + v.day + " " + hm;
  }

  function listAgeText() {
    return trust.checkedAt ? t("list_age", {time: shortTime(trust.checkedAt)}) : t("list_missing");
  }

  function showListAge() {
    var el = $("list-age");
    el.textContent = listAgeText();
    el.dataset.checkedAt = trust.checkedAt ? trust.checkedAt.toISOString() : "";
    el.classList.toggle("stale", !trust.checkedAt || Date.now() - trust.checkedAt.getTime() > STALE_MS);
  }

  function refreshTrust() {
    // online: the server's answers (the service worker keeps them); offline: the service worker's kept copies
    var keys = window.Baotong.fetch("/.well-known/jwks.json").then(function (r) {
      if (!r.ok) { throw new Error("jwks " + r.status); }
      return r.json();
    }).then(function (jwks) { trust.jwks = jwks; });
    var list = window.Baotong.fetch("/passes/revocations").then(function (r) {
      if (!r.ok) { throw new Error("revocations " + r.status); }
      var stamp = r.headers.get("X-Baotong-Checked-At");
      return r.json().then(function (body) {
        trust.list = body;
        trust.checkedAt = new Date(stamp || body.generated_at);
      });
    });
    return Promise.all([keys.catch(function () { return null; }), list.catch(function () { return null; })])
      .then(showListAge);
  }

  function offlineReasons(result) {
    var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
    return result.codes.map(function (code) {
      var m = messages[code];
      return {text: m ? (zh ? m[0] : m[1]) : code, code: code};
    });
  }

  function offlineFacts(result, at) {
    var out = [];
    var c = result.claims;
    if (c) {
      out.push({text: t("pass_no") + " " + c.pass_no + " · " + t("plate") + " " + c.plate});
      out.push({text: t("enterprise") + " " + c.enterprise_id});
    }
    out.push({text: t("checked_at") + " " + shortTime(at)});
    return out;
  }

  function verifyOffline(token, where, plate) {
    if (!trust.jwks || !trust.list || typeof window.BaotongVerify === "undefined") {
      problem(t("offline_now"), [t("list_missing")]);
      return Promise.resolve();
    }
    var at = new Date();
    var list = trust.list;
    return window.BaotongVerify.verify(token, {
      jwks: trust.jwks, at: at, checkpoint: where, plate: plate || null,
      revoked: (list.revoked || []).map(function (r) { return r.pass_no; }),
      fused: (list.fused || []).map(function (f) { return f.enterprise_id; }),
      policy: list.policy, messages: messages
    }).then(function (result) {
      var sub = t("offline") + " · " + listAgeText();
      if (result.verdict === "pass") {
        setResult("pass", t("pass"), sub, [], offlineFacts(result, at));
      } else {
        setResult("stop", t("stop"), sub, offlineReasons(result), offlineFacts(result, at));
      }
      $("result").dataset.mode = "offline";
      var scan = {idempotency_key: newKey(), officer: officer(), token: token, checkpoint: where, device_time: at.toISOString(),
                  device_verdict: result.verdict, device_reasons: result.reasons.slice(0, 20), state: "queued"};
      if (plate) { scan.plate = plate; }
      return enqueue(scan);
    });
  }

  function officer() { return $("ckpt").dataset.officer || ""; }

  function mine(scan) { return !scan.officer || scan.officer === officer(); }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes).map(function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function keepFonts(registration) {
    // the service worker keeps the font files that cover every text this page may show offline
    var text = [document.body.innerText, Object.values(texts).join(""),
                Object.values(messages).map(function (m) { return m.join(""); }).join(""),
                "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼0123456789·:-– ()（）"].join("");
    if (!registration.active) { return; }
    var channel = new MessageChannel();
    channel.port1.onmessage = function (event) { $("ckpt").dataset.fontsKept = String(event.data.kept); };
    registration.active.postMessage({warm: text}, [channel.port2]);
  }

  // -- the queue of offline scans (IndexedDB: it outlives the page and a restart) ------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = window.indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "idempotency_key"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var trans = db.transaction(STORE, mode);
        var out = work(trans.objectStore(STORE));
        trans.oncomplete = function () { db.close(); resolve(out && out.result !== undefined ? out.result : out); };
        trans.onerror = function () { db.close(); reject(trans.error); };
        trans.onabort = function () { db.close(); reject(trans.error); };
      });
    });
  }

  function allScans() { return tx("readonly", function (s) { return s.getAll(); }); }
  function enqueue(scan) {
    return tx("readwrite", function (s) { s.put(scan); }).then(showQueue).then(function () {
      if (navigator.onLine) { return flush(); }
    });
  }

  function showQueue() {
    return allScans().then(function (scans) {
      var waiting = scans.filter(function (s) { return s.state === "queued"; });
      var refused = scans.filter(function (s) { return s.state === "refused"; });
      var box = $("queue");
      box.dataset.count = String(waiting.length);
      box.dataset.refused = String(refused.length);
      var others = waiting.filter(function (s) { return !mine(s); });
      var status = t("queued", {n: waiting.length});
      if (others.length) {
        status += " · " + t("other_officer", {n: others.length, name: others[0].officer});
      }
      if (box.dataset.signin === "1" && waiting.length) { status += " · " + t("upload_signin"); }
      $("queue-status").textContent = status;
      var list = $("queue-refused");
      list.textContent = "";
      refused.forEach(function (s) {
        var li = document.createElement("li");
        li.dataset.key = s.idempotency_key;
        li.textContent = shortTime(new Date(s.device_time)) + " · " +
          t("upload_refused", {status: s.status, detail: s.detail}) + " ";
        var drop = document.createElement("button");
        drop.type = "button";
        drop.textContent = t("dismiss");
        drop.addEventListener("click", function () {
          tx("readwrite", function (st) { st.delete(s.idempotency_key); }).then(showQueue);
        });
        li.appendChild(drop);
        list.appendChild(li);
      });
    });
  }

  function upload(scan) {
    var body = {token: scan.token, checkpoint: scan.checkpoint, device_time: scan.device_time,
                idempotency_key: scan.idempotency_key, device_verdict: scan.device_verdict,
                device_reasons: scan.device_reasons};
    if (scan.plate) { body.plate = scan.plate; }
    return window.Baotong.fetch("/passes/scans/offline", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return {status: resp.status, data: data}; });
    });
  }

  function flushOnce() {
    // one scan at a time, oldest first; stops at the first that cannot be sent now
    var uploaded = 0;
    return allScans().then(function (scans) {
      // a scan waits for the officer who made it: an upload is stored under whoever is signed in
      var waiting = scans.filter(function (s) { return s.state === "queued" && mine(s); })
        .sort(function (a, b) { return a.device_time < b.device_time ? -1 : 1; });
      var step = function (i) {
        if (i >= waiting.length) { return Promise.resolve(); }
        var scan = waiting[i];
        return upload(scan).then(function (r) {
          if (r.status === 200) {
            uploaded++;
            return tx("readwrite", function (s) { s.delete(scan.idempotency_key); }).then(function () { return step(i + 1); });
          }
          if (r.status === 401) { $("queue").dataset.signin = "1"; return null; }
          if (r.status >= 400 && r.status < 500) {
            scan.state = "refused";
            scan.status = r.status;
            scan.detail = detailOf(r.data);
            return tx("readwrite", function (s) { s.put(scan); }).then(function () { return step(i + 1); });
          }
          return null;  // the server is in trouble: try again when the signal returns or the page opens
        });
      };
      return step(0);
    }).catch(function () { return null; }).then(function () {
      if (uploaded) { $("queue").dataset.uploaded = String(Number($("queue").dataset.uploaded || 0) + uploaded); }
      return showQueue();
    });
  }

  function flush() {
    if (!flushing) {
      flushing = flushOnce().then(function () { flushing = null; }, function () { flushing = null; });
    }
    return flushing;
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
    messages = JSON.parse($("ckpt").dataset.messages || "{}");
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/checkpoint/sw.js", {scope: "/checkpoint"}).catch(function () { return null; });
      navigator.serviceWorker.ready.then(keepFonts);
    }
    refreshTrust();
    showQueue().then(function () { if (navigator.onLine) { return flush(); } });
    window.addEventListener("online", function () { refreshTrust(); flush(); });
    // a weak signal can drop requests without the device ever going offline: try again every 5 minutes
    setInterval(function () { if (navigator.onLine) { refreshTrust(); flush(); } }, 5 * 60 * 1000);
    setInterval(showListAge, 60 * 1000);
    localStorage.removeItem(OLD_TOKEN_KEY);
    $("location").value = localStorage.getItem(LOCATION_KEY) || "";
    $("verify-btn").addEventListener("click", verify);
    $("locate-btn").addEventListener("click", locate);
    $("scan-btn").addEventListener("click", startScan);
    $("stop-scan-btn").addEventListener("click", stopScan);
    $("token").addEventListener("paste", function () { setTimeout(verify, 0); });
  });
})();
