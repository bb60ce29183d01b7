/* What the dispatcher's pages share: an error body as a line for people, and a time typed in the bureau's zone
 * as ISO 8601 with its offset (through Intl, whatever the browser's own zone). */
(function () {
  "use strict";

  function detailOf(body, status) {
    if (body && typeof body.detail === "string") { return body.detail; }
    if (body && Array.isArray(body.detail)) {
      return body.detail.map(function (d) { return (d.loc || []).join(".") + ": " + d.msg; }).join("; ");
    }
    return "HTTP " + status;
  }

  // the offset (ms) of time zone `tz` at instant `t` (ms since the epoch)
  function offsetAt(tz, t) {
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date(t));
    var v = {};
    parts.forEach(function (p) { v[p.type] = p.value; });
    return Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour, +v.minute, +v.second) - t;
  }

  // "2026-12-01T18:05" read in the bureau's zone -> ISO 8601 with its offset
  function zonedIso(value, tz) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) { return null; }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    var offset = offsetAt(tz, wall - offsetAt(tz, wall));
    var sign = offset < 0 ? "-" : "+", abs = Math.abs(offset) / 60000;
    var hh = String(Math.floor(abs / 60)).padStart(2, "0"), mm = String(abs % 60).padStart(2, "0");
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00" + sign + hh + ":" + mm;
  }

  // a JSON call through Baotong.fetch (which sends the CSRF token): resolves {status, ok, body}
  function callJson(url, method, payload) {
    var options = {method: method || "GET", headers: {"Accept": "application/json"}};
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return window.Baotong.fetch(url, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return {status: response.status, ok: response.ok, body: body};
      });
    });
  }

  window.BaotongTrips = {detailOf: detailOf, zonedIso: zonedIso, callJson: callJson};
})();
