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
  window.Baotong = {fetch: baotongFetch, csrfToken: csrfToken};
})();
