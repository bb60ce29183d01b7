/* Offline pass verification in the browser: the same checks, in the same order and with the same
 * reason codes, as the server's passes.verify (signature, validity window, revocation list, crew test
 * freshness, the checkpoint inside the token's corridor, the typed plate).
 *
 *   const v = await BaotongVerify.verify(token, {
 *     jwks, at: Date | epoch ms, checkpoint: [lon, lat] | null, plate: "豫H·12345" | null,
 *     revoked: ["410800000123", ...], fused: ["site-…", ...],
 *     policy: {test_validity_h: 48, mobile_test_validity_h: 24, corridor_buffer_m: 500},
 *     messages: {code: [zh, en]}
 *   });
 *   // -> {verdict: "pass" | "stop", codes: [...], reasons: ["code: 中文 / English (detail)", ...], claims}
 *
 * Ed25519 with WebCrypto where the browser has it, else the vendored @noble/ed25519.  Distances are
 * measured as the server measures them: an ellipsoidal azimuthal equidistant projection (GeographicLib's
 * geodesics, what PROJ's aeqd uses) centred on the point rounded to 0.01 degrees, then the planar
 * point-to-polyline distance.  Works in a page (window.BaotongVerify) and in Node (module.exports).
 */
(function (root) {
  "use strict";

  var MAX_TOKEN_CHARS = 4096;
  var MAX_CREW = 9;
  var ROUNDING_SLACK_M = 1.0;
  var PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
  var ALNUM = "0-9A-HJ-NP-Z";
  var SERIAL5 = new RegExp("^[" + ALNUM + "]{5}$");
  var SERIAL6 = new RegExp("^(?:[DF][" + ALNUM + "]{5}|[" + ALNUM + "]{5}[DF])$");
  var SEPARATORS = "·•‧・.. -";
  // Python's str.isspace() characters, which str.strip() removes
  var PY_SPACE = "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004" +
                 "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
  var B64URL = /^[A-Za-z0-9_-]*$/;

  function Fail(code, detail) { this.code = code; this.detail = detail; }

  // -- strict base64url (canonical, unpadded) ---------------------------------------------------
  var ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  function b64urlDecode(text) {
    if (text.length % 4 === 1 || !B64URL.test(text)) throw new Error("not unpadded base64url");
    var out = new Uint8Array(Math.floor(text.length * 3 / 4));
    var bits = 0, value = 0, j = 0;
    for (var i = 0; i < text.length; i++) {
      value = (value << 6) | ALPHA.indexOf(text[i]);
      bits += 6;
      if (bits >= 8) { bits -= 8; out[j++] = (value >> bits) & 0xff; }
    }
    if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) throw new Error("non-canonical base64url");
    return out.subarray(0, j);
  }

  // -- JSON as Python's json.loads reads it (ints vs floats, NaN/Infinity, duplicate keys refused) -----
  function PyInt(text) { this.text = text; this.big = BigInt(text); this.value = Number(text); }
  function parseJson(text) {
    var i = 0;
    function ws() { while (i < text.length && " \t\n\r".indexOf(text[i]) >= 0) i++; }
    function fail() { throw new Error("not JSON"); }
    function value() {
      ws();
      var c = text[i];
      if (c === "{") {
        i++; var obj = new Map(); ws();
        if (text[i] === "}") { i++; return obj; }
        for (;;) {
          ws(); if (text[i] !== '"') fail();
          var key = string(); ws(); if (text[i] !== ":") fail(); i++;
          var v = value();
          if (obj.has(key)) fail();
          obj.set(key, v); ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "}") { i++; return obj; }
          fail();
        }
      }
      if (c === "[") {
        i++; var arr = []; ws();
        if (text[i] === "]") { i++; return arr; }
        for (;;) {
          arr.push(value()); ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "]") { i++; return arr; }
          fail();
        }
      }
      if (c === '"') return string();
      if (text.startsWith("true", i)) { i += 4; return true; }
      if (text.startsWith("false", i)) { i += 5; return false; }
      if (text.startsWith("null", i)) { i += 4; return null; }
      if (text.startsWith("NaN", i)) { i += 3; return NaN; }
      if (text.startsWith("Infinity", i)) { i += 8; return Infinity; }
      if (text.startsWith("-Infinity", i)) { i += 9; return -Infinity; }
      var m = /^(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
      if (!m) fail();
      i += m[0].length;
      if (m[2] === undefined && m[3] === undefined) return new PyInt(m[1]);
      return Number(m[0]);
    }
    function string() {
      i++; var out = "";
      for (;;) {
        if (i >= text.length) fail();
        var c = text[i];
        if (c === '"') { i++; return out; }
        if (c < " ") fail();  // control characters are not allowed in strict mode
        if (c === "\\") {
          var e = text[i + 1];
          var map = {'"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t"};
          if (e in map) { out += map[e]; i += 2; continue; }
          if (e === "u") {
            var hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail();
            out += String.fromCharCode(parseInt(hex, 16)); i += 6; continue;
          }
          fail();
        }
        out += c; i++;
      }
    }
    var result = value(); ws();
    if (i !== text.length) fail();
    return result;
  }

  function jsonObject(bytes, what) {
    var text;
    try { text = new TextDecoder("utf-8", {fatal: true, ignoreBOM: true}).decode(bytes); }
    catch (e) { throw new Fail("malformed", what + " is not JSON"); }
    var value;
    try { value = parseJson(text); } catch (e) { throw new Fail("malformed", what + " is not JSON"); }
    if (!(value instanceof Map)) throw new Fail("malformed", what + " is not a JSON object");
    return value;
  }

  // -- claims --------------------------------------------------------------------------------------
  function codePoints(s) { return Array.from(s).length; }
  function isInt(v) { return v instanceof PyInt; }
  function isNumber(v) { return isInt(v) || typeof v === "number"; }
  function num(v) { return isInt(v) ? v.value : v; }
  function bad(name) { throw new Error(name); }
  function shortStr(v, name, limit) {
    if (typeof v !== "string" || codePoints(v) === 0 || codePoints(v) > (limit || 64)) bad(name);
    return v;
  }
  function epoch(v, name) {
    if (!isInt(v) || v.big < 0n || v.big >= (1n << 33n)) bad(name);
    return v.value;
  }
  function lonLat(v, name) {
    if (!(Array.isArray(v) && v.length === 2 && v.every(isNumber))) bad(name);
    var lon = num(v[0]), lat = num(v[1]);
    if (!(isFinite(lon) && isFinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) bad(name);
    return [lon, lat];
  }
  function passNo(v) {
    if (typeof v !== "string" || !/^[0-9]{12}$/.test(v) || v[0] === "0" || Number(v.slice(6)) < 1) bad("pno");
    return v;
  }
  function canonicalPlate(v) {
    if (typeof v !== "string") return false;
    var cp = Array.from(v);
    if (cp.length < 4 || PROVINCES.indexOf(cp[0]) < 0 || !/^[A-HJ-NP-Z]$/.test(cp[1]) || cp[2] !== "·") return false;
    var serial = cp.slice(3).join("");
    return SERIAL5.test(serial) || SERIAL6.test(serial);
  }

  function decodePolyline(text) {
    // Google's encoded polyline, precision 5, as passes.polyline.decode reads it
    var values = [], shift = 0, result = 0;
    for (var k = 0; k < text.length; k++) {
      var b = text.charCodeAt(k);
      if (b < 63 || b > 126) bad("cor");
      b -= 63;
      result += (b & 0x1f) * Math.pow(2, shift);
      if (b < 0x20) {
        values.push(result % 2 === 1 ? -(result - 1) / 2 - 1 : result / 2);
        shift = 0; result = 0;
      } else {
        shift += 5;
        if (shift > 60) bad("cor");
      }
    }
    if (shift || values.length % 2) bad("cor");
    var out = [], lat = 0, lng = 0;
    for (var i = 0; i < values.length; i += 2) {
      lat += values[i]; lng += values[i + 1];
      out.push([lng / 1e5, lat / 1e5]);
    }
    return out;
  }

  function claimsOf(payload, kid) {
    function get(name) { if (!payload.has(name)) throw new Fail("malformed", "claim '" + name + "' is missing"); return payload.get(name); }
    try {
      var crew = get("crew");
      if (!Array.isArray(crew) || crew.length < 1 || crew.length > MAX_CREW) bad("crew");
      var members = crew.map(function (item) {
        if (!(Array.isArray(item) && item.length === 3 && typeof item[0] === "string" && codePoints(item[0]) > 0 &&
              codePoints(item[0]) <= 64 && isInt(item[2]) && (item[2].value === 0 || item[2].value === 1))) bad("crew");
        return {role: item[0], tested_at: epoch(item[1], "crew"), mobile_role: item[2].value === 1};
      });
      var tol = get("tol");
      if (!isNumber(tol) || !(isFinite(num(tol)) && num(tol) >= 0)) bad("tol");
      var c = {
        pass_no: passNo(get("pno")),
        plate: (function (v) { if (!canonicalPlate(v)) bad("plt"); return v; })(get("plt")),
        enterprise_id: shortStr(get("ent"), "ent"),
        origin: lonLat(get("org"), "org"),
        destination: lonLat(get("dst"), "dst"),
        corridor_polyline: shortStr(get("cor"), "cor", 3000),
        tolerance_m: num(tol),
        route_id: shortStr(get("rid"), "rid"),
        corridor_hash: shortStr(get("chs"), "chs"),
        not_before: epoch(get("nbf"), "nbf"),
        expires: epoch(get("exp"), "exp"),
        issued_at: epoch(get("iat"), "iat"),
        crew: members,
        kid: kid
      };
      c.corridor = decodePolyline(c.corridor_polyline);
      if (c.corridor.length < 2) bad("cor");
      return c;
    } catch (e) {
      if (e instanceof Fail) throw e;
      var name = e && e.message && e.message.length <= 4 ? e.message : null;
      throw new Fail("malformed", name ? "claim '" + name + "' is invalid" : "a claim is invalid");
    }
  }

  // -- signature -----------------------------------------------------------------------------------
  var nobleModule = null;
  async function ed25519Verify(publicKey, signature, data) {
    var subtle = root.crypto && root.crypto.subtle;
    if (subtle) {
      try {
        var key = await subtle.importKey("raw", publicKey, {name: "Ed25519"}, false, ["verify"]);
        return await subtle.verify({name: "Ed25519"}, key, signature, data);
      } catch (e) {
        if (!(e && (e.name === "NotSupportedError" || /Ed25519|algorithm/i.test(String(e.message))))) return false;
      }
    }
    if (!nobleModule) nobleModule = await import(BaotongVerify.nobleUrl);
    try { return await nobleModule.verifyAsync(signature, data, publicKey); } catch (e) { return false; }
  }

  function keysOf(jwks) {
    var out = new Map();
    ((jwks && jwks.keys) || []).forEach(function (k) {
      if (k.kty === "OKP" && k.crv === "Ed25519" && typeof k.kid === "string" && typeof k.x === "string") {
        try { out.set(k.kid, b64urlDecode(k.x)); } catch (e) { /* a malformed key verifies nothing */ }
      }
    });
    return out;
  }

  async function readPass(token, keys) {
    if (typeof token !== "string") throw new Fail("malformed", "expected text, got " + typeof token);
    if (!token) throw new Fail("malformed", "empty");
    if (codePoints(token) > MAX_TOKEN_CHARS) throw new Fail("malformed", codePoints(token) + " characters; at most " + MAX_TOKEN_CHARS);
    var parts = token.split(".");
    if (parts.length !== 3) throw new Fail("malformed", "expected 3 dot-separated parts, got " + parts.length);
    var raw;
    try { raw = parts.map(b64urlDecode); } catch (e) { throw new Fail("malformed", "a part is not canonical unpadded base64url"); }
    var header = jsonObject(raw[0], "header");
    var extra = Array.from(header.keys()).filter(function (k) { return ["alg", "kid", "typ"].indexOf(k) < 0; });
    if (extra.length || (header.has("typ") ? header.get("typ") : "JWT") !== "JWT")
      throw new Fail("malformed", "header has unexpected fields");
    var alg = header.get("alg");
    if (alg !== "EdDSA") throw new Fail("bad_signature", "algorithm " + JSON.stringify(alg) + " is not accepted; only EdDSA");
    var kid = header.get("kid");
    if (typeof kid !== "string" || codePoints(kid) === 0 || codePoints(kid) > 64) throw new Fail("malformed", "header has no kid");
    if (!keys.has(kid)) throw new Fail("unknown_kid", "kid '" + kid + "'");
    if (raw[2].length !== 64) throw new Fail("bad_signature", "an Ed25519 signature has 64 bytes");
    var ok = await ed25519Verify(keys.get(kid), raw[2], new TextEncoder().encode(parts[0] + "." + parts[1]));
    if (!ok) throw new Fail("bad_signature", null);
    return claimsOf(jsonObject(raw[1], "payload"), kid);
  }

  // -- distance to the corridor, as passes.corridor.distance_to_corridor_m -------------------------------
  function round2(x) {
    // the projection's centre, as projection_near rounds it (a centre 0.01 degrees off changes a distance
    // by micrometres: the azimuthal equidistant projection is true near its centre)
    return Math.round(x * 100) / 100;
  }
  function geod() {
    var g = root.geodesic || (typeof require === "function" ? require("geographiclib-geodesic") : null);
    if (!g) throw new Error("geographiclib-geodesic is not loaded");
    return g.Geodesic.WGS84;
  }
  function aeqd(lon0, lat0) {
    var G = geod();
    return function (lon, lat) {
      var r = G.Inverse(lat0, lon0, lat, lon);
      var az = r.azi1 * Math.PI / 180;
      return [r.s12 * Math.sin(az), r.s12 * Math.cos(az)];
    };
  }
  function pointSegment(p, a, b) {
    // GEOS Distance::pointToSegment
    if (a[0] === b[0] && a[1] === b[1]) return Math.hypot(p[0] - a[0], p[1] - a[1]);
    var len2 = (b[0] - a[0]) * (b[0] - a[0]) + (b[1] - a[1]) * (b[1] - a[1]);
    var r = ((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / len2;
    if (r <= 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
    if (r >= 1) return Math.hypot(p[0] - b[0], p[1] - b[1]);
    var s = ((a[1] - p[1]) * (b[0] - a[0]) - (a[0] - p[0]) * (b[1] - a[1])) / len2;
    return Math.abs(s) * Math.sqrt(len2);
  }
  function distanceToCorridor(point, corridor) {
    var proj = aeqd(round2(point[0]), round2(point[1]));
    var p = proj(point[0], point[1]);
    var xy = corridor.map(function (c) { return proj(c[0], c[1]); });
    var best = Infinity;
    for (var i = 1; i < xy.length; i++) best = Math.min(best, pointSegment(p, xy[i - 1], xy[i]));
    return best;
  }

  // -- plates, as passes.plates.normalise_plate -------------------------------------------------------
  function pyStrip(s) {
    var cp = Array.from(s), a = 0, b = cp.length;
    while (a < b && PY_SPACE.indexOf(cp[a]) >= 0) a++;
    while (b > a && PY_SPACE.indexOf(cp[b - 1]) >= 0) b--;
    return cp.slice(a, b).join("");
  }
  function normalisePlate(text) {
    if (typeof text !== "string" || codePoints(text) > 32) return null;
    var s = Array.from(pyStrip(text).toUpperCase());
    if (s.length >= 3 && SEPARATORS.indexOf(s[2]) >= 0) s.splice(2, 1);
    if (s.length >= 2 && PROVINCES.indexOf(s[0]) >= 0 && /^[A-HJ-NP-Z]$/.test(s[1])) {
      var serial = s.slice(2).join("");
      if (SERIAL5.test(serial) || SERIAL6.test(serial)) return s[0] + s[1] + "·" + serial;
    }
    return null;
  }

  // -- the verdict -------------------------------------------------------------------------------------
  function iso(epochS) { return new Date(epochS * 1000).toISOString().replace(".000Z", "+00:00"); }

  async function verify(token, options) {
    var o = options || {};
    var messages = o.messages || {};
    var policy = o.policy || {};
    var atMs = o.at instanceof Date ? o.at.getTime() : (o.at == null ? Date.now() : Number(o.at));
    var at = atMs / 1000;
    var buffer = policy.corridor_buffer_m == null ? 500 : policy.corridor_buffer_m;
    var out = [];
    function add(code, detail) {
      var m = messages[code];
      out.push({code: code, text: code + (m ? ": " + m[0] + " / " + m[1] : "") + (detail ? " (" + detail + ")" : "")});
    }
    var claims = null;
    try {
      claims = await readPass(token, keysOf(o.jwks));
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      add(e.code, e.detail);
      return {verdict: "stop", codes: [e.code], reasons: out.map(function (r) { return r.text; }), claims: null, mode: "offline"};
    }
    if (at < claims.not_before) add("not_yet_valid", "valid from " + iso(claims.not_before));
    else if (at >= claims.expires) add("expired", "valid until " + iso(claims.expires));
    if ((o.revoked || []).indexOf(claims.pass_no) >= 0) add("revoked");
    if ((o.fused || []).indexOf(claims.enterprise_id) >= 0) add("enterprise_fused", claims.enterprise_id);
    var hours = policy.test_validity_h == null ? 48 : policy.test_validity_h;
    var mobileHours = policy.mobile_test_validity_h == null ? 24 : policy.mobile_test_validity_h;
    claims.crew.forEach(function (m, i) {
      var h = m.mobile_role ? mobileHours : hours;
      if (!(m.tested_at <= at && at <= m.tested_at + h * 3600))
        add("crew_test_stale", "crew[" + i + "] " + m.role + ": tested " + iso(m.tested_at) + ", limit " + h + " h");
    });
    if (o.checkpoint) {
      var allowance = buffer + claims.tolerance_m + ROUNDING_SLACK_M;
      var d = distanceToCorridor(o.checkpoint, claims.corridor);
      if (!(d <= allowance)) add("off_corridor", Math.round(d) + " m from the route; at most " + Math.round(allowance) + " m");
    }
    if (o.plate != null) {
      var typed = normalisePlate(o.plate);
      if (typed === null) add("plate_invalid", JSON.stringify(o.plate).slice(0, 40));
      else if (typed !== claims.plate) add("plate_mismatch", "typed " + typed + ", pass " + claims.plate);
    }
    return {verdict: out.length ? "stop" : "pass", codes: out.map(function (r) { return r.code; }),
            reasons: out.map(function (r) { return r.text; }), claims: claims, mode: "offline"};
  }

  var BaotongVerify = {verify: verify, normalisePlate: normalisePlate, distanceToCorridor: distanceToCorridor,
                       decodePolyline: decodePolyline, parseJson: parseJson, nobleUrl: "/static/vendor/@noble/ed25519/index.js"};
  root.BaotongVerify = BaotongVerify;
  if (typeof module !== "undefined" && module.exports) module.exports = BaotongVerify;
})(typeof window !== "undefined" ? window : globalThis);
