/* What every Baotong page shares: Baotong.fetch sends the session's CSRF token with every write. */
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function baotongFetch(url, options) {
    var opts = Object.assign({credentials: "same-origin"}, options || {});
    var method = (opts.method || "GET").toUpperCase();
    var headers = new Headers(opts.headers || {});
    if (["GET", "HEAD", "OPTIONS"].indexOf(method) < 0 && csrfToken()) headers.set("X-CSRF-Token", csrfToken());
    if (!headers.has("Accept-Language")) headers.set("Accept-Language", document.documentElement.lang || "zh-CN");
    opts.headers = headers;
    return window.fetch(url, opts);
  }
  // A page's own Leaflet map in `box`, over the offline basemap that its data-config names (api.routes.closure_pages
  // map_config): fitted to the network, exposed as box.baotongMap for scripts that drive the page.
  function pageMap(box) {
    var config = JSON.parse(box.dataset.config);
    var map = L.map(box);
    var b = config.bbox;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    if (config.vector_tiles) {
      window.BaotongBasemap.add(map, {url: config.vector_tiles, lang: config.lang});
    } else if (config.raster_tiles) {
      var attribution = document.createElement("span");
      attribution.textContent = config.attribution || "";
      L.tileLayer(config.raster_tiles, {attribution: attribution.innerHTML}).addTo(map);
    }
    box.baotongMap = map;
    return map;
  }
  // An error answer's words: the API's `detail` (a string, or pydantic's list of {loc, msg}).
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
  // "2026-12-01T18:05" (a datetime-local input) read in the bureau's zone `tz` -> ISO 8601 with its offset,
  // whatever the browser's own zone
  function zonedIso(value, tz) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) { return null; }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    var offset = offsetAt(tz, wall - offsetAt(tz, wall));
    var sign = offset < 0 ? "-" : "+", abs = Math.abs(offset) / 60000;
    var hh = String(Math.floor(abs / 60)).padStart(2, "0"), mm = String(abs % 60).padStart(2, "0");
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00" + sign + hh + ":" + mm;
  }
  // an ISO 8601 instant -> "2026-12-01T18:05" on the clock of zone `tz` (for a datetime-local input)
  function wallTime(iso, tz) {
    if (!iso) { return ""; }
    var t = Date.parse(iso);
    if (isNaN(t)) { return ""; }
    return new Date(t + offsetAt(tz, t)).toISOString().slice(0, 16);
  }
  window.Baotong = {
    fetch: baotongFetch, csrfToken: csrfToken, pageMap: pageMap, detailOf: detailOf, zonedIso: zonedIso,
    wallTime: wallTime
  };
})();
