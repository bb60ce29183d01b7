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
  window.Baotong = {fetch: baotongFetch, csrfToken: csrfToken, pageMap: pageMap, detailOf: detailOf};
})();
