/* Baotong checkpoint service worker (served as /checkpoint/sw.js, scope /checkpoint): keeps the checkpoint page,
 * its scripts and styles, the public keys (JWKS) and the revocation list in the Cache Storage so the page opens
 * and verifies passes without signal.
 *
 *   the page (/checkpoint)          network first; offline: the copy kept from the last visit online (dropped,
 *                                   with the list, when a visit online is sent to the sign-in page)
 *   /.well-known/jwks.json          network first; offline: the kept copy
 *   /passes/revocations             asked with If-None-Match (ETag of the kept copy); 200 or 304 stamps the kept
 *                                   copy with X-Baotong-Checked-At (when the server last vouched for it);
 *                                   offline: the kept copy with its old stamp
 *   /static/...                     the kept copy at once, refreshed in the background (stale-while-revalidate)
 *
 * The Chinese font is split by unicode range into some hundred files a browser fetches as a page needs them; the
 * page posts the text it may show ({warm: text}) and the worker keeps the files that cover it, answering
 * {kept: n} on the message's port.
 *
 * Writes (POST) are never touched: the page queues offline scans in IndexedDB and uploads them itself. */
"use strict";

var CACHE = "baotong-checkpoint-v1";
var PAGE = "/checkpoint";
var LIST = "/passes/revocations";
var JWKS = "/.well-known/jwks.json";
var FONT_CSS = "/static/vendor/@fontsource/noto-sans-sc/noto-sans-sc.css";
var SHELL = [
  PAGE,
  "/checkpoint/manifest.webmanifest",
  "/static/app/app.css",
  "/static/app/app.js",
  "/static/checkpoint/checkpoint.css",
  "/static/checkpoint/checkpoint.js",
  "/static/checkpoint/verify.js",
  "/static/checkpoint/icon-192.png",
  "/static/vendor/@fontsource/noto-sans-sc/noto-sans-sc.css",
  "/static/vendor/qr-scanner/qr-scanner.umd.min.js",
  "/static/vendor/qr-scanner/qr-scanner-worker.min.js",
  "/static/vendor/@noble/ed25519/index.js",
  "/static/vendor/geographiclib-geodesic/geographiclib-geodesic.min.js",
  JWKS,
  LIST
];

function keep(cache, key, response) {
  // only a real answer of our own: no sign-in redirect, no error page
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(key, response.clone()).then(function () { return response; });
  }
  return Promise.resolve(response);
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, {credentials: "same-origin", cache: "no-cache"}).then(function (r) {
        return url === LIST ? keepList(cache, r) : keep(cache, url, r);
      }).catch(function () { return null; });  // what could not be fetched now is kept on its first use online
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("baotong-checkpoint-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepList(cache, response, kept) {
  // the list's answer (or the kept copy, on a 304) stamped with the time the server vouched for it, and kept
  var fresh = response.ok && !response.redirected && response.type === "basic";
  if (!fresh && !(response.status === 304 && kept)) { return Promise.resolve(response); }
  var source = fresh ? response : kept;
  return source.clone().arrayBuffer().then(function (bytes) {
    var headers = new Headers(source.headers);
    headers.set("X-Baotong-Checked-At", new Date().toISOString());
    if (response.headers.get("ETag")) { headers.set("ETag", response.headers.get("ETag")); }
    var stamped = new Response(bytes, {status: 200, statusText: "OK", headers: headers});
    return cache.put(LIST, stamped.clone()).then(function () { return stamped; });
  });
}

function networkFirst(request, key) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (r) { return keep(cache, key, r); }).catch(function () {
      return cache.match(key).then(function (hit) { return hit || Response.error(); });
    });
  });
}

function page(request) {
  // the page, network first; when the server sends the visit to the sign-in page, the officer has signed out:
  // the kept page and list go too, so the next person to pick up the phone does not verify as that officer
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (r) {
      // a navigation's redirect reaches the worker opaque; /checkpoint redirects only to the sign-in page
      if (r.type === "opaqueredirect" || (r.redirected && new URL(r.url).pathname === "/login")) {
        return Promise.all([cache.delete(PAGE), cache.delete(LIST)]).then(function () { return r; });
      }
      return keep(cache, PAGE, r);
    }).catch(function () {
      return cache.match(PAGE).then(function (hit) { return hit || Response.error(); });
    });
  });
}

function revocations(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(LIST).then(function (kept) {
      var headers = new Headers(request.headers);
      if (kept && kept.headers.get("ETag")) { headers.set("If-None-Match", kept.headers.get("ETag")); }
      return fetch(LIST, {headers: headers, credentials: "same-origin", cache: "no-store"}).then(function (r) {
        // 401 / 403 pass through: the officer's session ended, and nothing kept is handed to a stranger
        return keepList(cache, r, kept);
      }).catch(function () { return kept || Response.error(); });
    });
  });
}

function staleWhileRevalidate(event, request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (r) { return keep(cache, request, r); });
      if (hit) {
        event.waitUntil(fresh.catch(function () { return null; }));
        return hit;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (url.pathname === LIST) {
    event.respondWith(revocations(request));
  } else if (url.pathname === JWKS || url.pathname === "/checkpoint/manifest.webmanifest") {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(event, request));
  }
});

function fontFiles(css, text) {
  // the woff2 files of the stylesheet's faces whose unicode-range covers a character of `text`
  var codes = Array.from(new Set(Array.from(text))).map(function (c) { return c.codePointAt(0); });
  var out = [];
  css.split("@font-face").slice(1).forEach(function (block) {
    var url = /url\(([^)]+\.woff2)\)/.exec(block);
    var range = /unicode-range:\s*([^;}]+)/.exec(block);
    if (!url || !range) { return; }
    var spans = range[1].split(",").map(function (part) {
      var m = /U\+([0-9a-fA-F]+)(?:-([0-9a-fA-F]+))?/.exec(part.trim());
      return m ? [parseInt(m[1], 16), parseInt(m[2] || m[1], 16)] : null;
    }).filter(Boolean);
    var hit = codes.some(function (c) { return spans.some(function (s) { return c >= s[0] && c <= s[1]; }); });
    if (hit) { out.push(new URL(url[1], self.location.origin + FONT_CSS).pathname); }
  });
  return out;
}

function warmFonts(text) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(FONT_CSS).then(function (hit) { return hit || fetch(FONT_CSS); }).then(function (r) {
      return r.text();
    }).then(function (css) {
      var files = fontFiles(css, text);
      return Promise.all(files.map(function (url) {
        return cache.match(url).then(function (kept) {
          if (kept) { return true; }
          return fetch(url).then(function (r) { return keep(cache, url, r); }).then(function (r) { return r.ok; });
        }).catch(function () { return false; });
      }));
    }).then(function (done) { return done.filter(Boolean).length; });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (typeof data.warm !== "string") { return; }
  var port = event.ports && event.ports[0];
  event.waitUntil(warmFonts(data.warm).then(function (n) {
    if (port) { port.postMessage({kept: n}); }
  }, function () {
    if (port) { port.postMessage({kept: 0}); }
  }));
});
