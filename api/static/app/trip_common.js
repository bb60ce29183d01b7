/* What the dispatcher's pages share: an error body as a line for people, and a time typed in the bureau's zone
 * as ISO 8601 with its offset (through Intl, whatever the browser's own zone). */
(function () {
  "use strict";

  var detailOf = function (body, status) { return window.Baotong.detailOf(body, status); };

  var zonedIso = function (value, tz) { return window.Baotong.zonedIso(value, tz); };

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
