/* Baotong checkpoint service worker (served as /checkpoint/sw.js, scope /checkpoint): keeps the checkpoint page,
 * its scripts and styles, the public keys (JWKS) and the revocation list in the Cache Storage so the page opens
 * and verifies passes without signal.
 *
 *   the page (/checkpoint)          network first; offline: the copy kept from the last visit online
 *   /.well-known/jwks.json          network first; offline: the kept copy
 *   /passes/revocations             asked with If-None-Match (ETag of the kept copy); 200 or 304 stamps the kept
 *                                   copy with X-Baotong-Checked-At (when the server last vouched for it);
 *                                   offline: the kept copy with its old stamp
 *   /static/...                     the kept copy at once, refreshed in the background (stale-while-revalidate)
 *
 * Writes (POST) are never touched: the page queues offline scans in IndexedDB and uploads them itself. */
"use strict";

var CACHE = "baotong-checkpoint-v1";
var PAGE = "/checkpoint";
var LIST = "/passes/revocations";
var JWKS = "/.well-known/jwks.json";
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
        return url === LIST ? stamped(r).then(function (s) { return keep(cache, url, s); }) : keep(cache, url, r);
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

function stamped(response, body) {
  // a copy of the list's answer (or of the kept body on a 304) stamped with the time the server vouched for it
  if (!response || !(response.ok || response.status === 304)) { return Promise.resolve(response); }
  var source = body || response;
  return source.clone().arrayBuffer().then(function (bytes) {
    var headers = new Headers(source.headers);
    headers.set("X-Baotong-Checked-At", new Date().toISOString());
    if (response.headers.get("ETag")) { headers.set("ETag", response.headers.get("ETag")); }
    return new Response(bytes, {status: 200, statusText: "OK", headers: headers});
  });
}

function networkFirst(request, key) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (r) { return keep(cache, key, r); }).catch(function () {
      return cache.match(key).then(function (hit) { return hit || Response.error(); });
    });
  });
}

function revocations(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(LIST).then(function (kept) {
      var headers = new Headers(request.headers);
      if (kept && kept.headers.get("ETag")) { headers.set("If-None-Match", kept.headers.get("ETag")); }
      return fetch(LIST, {headers: headers, credentials: "same-origin", cache: "no-store"}).then(function (r) {
        if (r.status === 304 && kept) {
          return stamped(r, kept).then(function (s) { return keep(cache, LIST, s); });
        }
        if (r.ok) { return stamped(r).then(function (s) { return keep(cache, LIST, s); }); }
        return r;  // 401 / 403: the officer's session, not the list; nothing kept is handed to a stranger
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
    event.respondWith(networkFirst(request, PAGE));
  } else if (url.pathname === LIST) {
    event.respondWith(revocations(request));
  } else if (url.pathname === JWKS || url.pathname === "/checkpoint/manifest.webmanifest") {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(event, request));
  }
});
