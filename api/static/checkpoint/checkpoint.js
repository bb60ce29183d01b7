/* Baotong checkpoint page: scan or paste a pass, POST /passes/verify, show PASS / STOP with every reason. */
(function () {
  "use strict";
  var TOKEN_KEY = "baotong.checkpoint.token";
  var LOCATION_KEY = "baotong.checkpoint.location";
  var $ = function (id) { return document.getElementById(id); };
  var scanner = null;

  function setResult(kind, title, sub, reasons, facts) {
    var box = $("result");
    box.className = "result " + kind;
    box.dataset.verdict = kind;
    $("verdict").textContent = title;
    $("verdict-sub").textContent = sub || "";
    var list = $("reasons");
    list.textContent = "";
    (reasons || []).forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = r;
      list.appendChild(li);
    });
    $("facts").textContent = facts || "";
  }

  function officerToken() { return (localStorage.getItem(TOKEN_KEY) || "").trim(); }

  function showTokenState() {
    $("token-state").textContent = officerToken() ? "已保存令牌 token saved on this device" : "未保存令牌 no token saved";
  }

  function parseLocation(text) {
    var parts = String(text || "").split(/[,\s]+/).filter(Boolean).map(Number);
    if (parts.length !== 2 || !parts.every(isFinite)) { return null; }
    if (Math.abs(parts[0]) > 180 || Math.abs(parts[1]) > 90) { return null; }
    return parts;
  }

  function locate() {
    if (!navigator.geolocation) {
      setResult("error", "?", "此设备无定位 no geolocation on this device; type lon,lat");
      return;
    }
    $("verdict-sub").textContent = "定位中… locating…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var text = pos.coords.longitude.toFixed(6) + "," + pos.coords.latitude.toFixed(6);
      $("location").value = text;
      localStorage.setItem(LOCATION_KEY, text);
      $("verdict-sub").textContent = "已定位 located (±" + Math.round(pos.coords.accuracy) + " m)";
    }, function (err) {
      setResult("error", "?", "定位失败 location failed: " + err.message + " — type lon,lat");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function describe(pass) {
    if (!pass) { return ""; }
    return "No. " + pass.pass_no + " · " + pass.plate + " · " + pass.enterprise_id +
      " · 有效期 valid " + pass.valid_from + " → " + pass.valid_until;
  }

  function verify() {
    var token = $("token").value.trim();
    var where = parseLocation($("location").value);
    var bearer = officerToken();
    if (!token) { setResult("error", "?", "请粘贴或扫描通行证 paste or scan a pass code"); return; }
    if (!where) { setResult("error", "?", "请输入检查点位置 lon,lat (e.g. 113.2418,35.2156) or press Locate"); return; }
    if (!bearer) { setResult("error", "?", "请先保存检查员令牌 save the officer token first"); return; }
    localStorage.setItem(LOCATION_KEY, $("location").value.trim());
    var body = { token: token, checkpoint: where };
    var plate = $("plate").value.trim();
    if (plate) { body.plate = plate; }
    setResult("busy", "…", "核验中 checking…");
    fetch("/passes/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + bearer },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().then(function (data) { return { status: resp.status, data: data }; },
        function () { return { status: resp.status, data: {} }; });
    }).then(function (r) {
      if (r.status === 200 && r.data.verdict === "pass") {
        setResult("pass", "通行 PASS", "核验通过 all checks passed", [], describe(r.data.pass));
      } else if (r.status === 200) {
        setResult("stop", "停车 STOP", "拦停核查 stop the vehicle", r.data.reasons, describe(r.data.pass));
      } else if (r.status === 401 || r.status === 403) {
        setResult("error", "?", "令牌无效或无权限 token rejected (" + r.status + "): " + (r.data.detail || ""));
      } else {
        var detail = typeof r.data.detail === "string" ? r.data.detail : JSON.stringify(r.data.detail || r.data);
        setResult("error", "?", "请求有误 request error (" + r.status + ")", [detail]);
      }
    }).catch(function (err) {
      setResult("error", "?", "网络错误 network error: " + err.message);
    });
  }

  function startScan() {
    if (typeof QrScanner === "undefined") { setResult("error", "?", "扫码库未加载 QR library missing"); return; }
    var video = $("video");
    video.hidden = false;
    $("stop-scan-btn").hidden = false;
    scanner = new QrScanner(video, function (result) {
      $("token").value = (result && result.data) || String(result);
      stopScan();
      verify();
    }, { returnDetailedScanResult: true, preferredCamera: "environment", maxScansPerSecond: 10 });
    scanner.start().catch(function (err) {
      stopScan();
      setResult("error", "?", "无法打开摄像头 camera unavailable: " + err + " — paste the code instead");
    });
  }

  function stopScan() {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    $("video").hidden = true;
    $("stop-scan-btn").hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("officer-token").value = officerToken();
    $("location").value = localStorage.getItem(LOCATION_KEY) || "";
    showTokenState();
    $("save-token-btn").addEventListener("click", function () {
      localStorage.setItem(TOKEN_KEY, $("officer-token").value.trim());
      showTokenState();
    });
    $("officer-token").addEventListener("change", function () {
      localStorage.setItem(TOKEN_KEY, $("officer-token").value.trim());
      showTokenState();
    });
    $("verify-btn").addEventListener("click", verify);
    $("locate-btn").addEventListener("click", locate);
    $("scan-btn").addEventListener("click", startScan);
    $("stop-scan-btn").addEventListener("click", stopScan);
    $("token").addEventListener("paste", function () { setTimeout(verify, 0); });
  });
})();
