/* A county files a closure on the map: click roads to pick them (GET /closures/road-at), check what the rules
 * decide (POST /closures/new/check, the same assessment as POST /closures/preview), then submit the same body
 * to POST /closures. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var PICKED_STYLE = {color: "#d62728", weight: 8, opacity: 0.85};

  var detailOf = function (body, status) { return window.Baotong.detailOf(body, status); };

  var zonedIso = function (value, tz) { return window.Baotong.zonedIso(value, tz); };

  document.addEventListener("DOMContentLoaded", function () {
    var box = $("cl-map");
    var grades = JSON.parse(box.dataset.grades);
    var tz = $("cl-result").dataset.timezone;
    var map = window.Baotong.pageMap(box);
    var picked = new Map();  // way id -> {road, layer, item}
    var checked = false;

    function label(road) {
      var text = (road.name || box.dataset.unnamed) + (road.ref ? " " + road.ref : "");
      return text + " · " + (grades[road.grade] || road.grade || "");
    }

    function stale() {
      checked = false;
      $("cl-submit").disabled = true;
      var result = $("cl-result");
      if (result.firstElementChild) { result.classList.add("cl-stale"); }
    }

    function showRoads() {
      $("cl-roads-empty").hidden = picked.size > 0;
      stale();
    }

    function drop(wayId) {
      var entry = picked.get(wayId);
      if (!entry) { return; }
      map.removeLayer(entry.layer);
      entry.item.remove();
      picked.delete(wayId);
      showRoads();
    }

    function pick(road) {
      var layer = L.geoJSON(road.geometry, {style: function () { return PICKED_STYLE; }}).addTo(map);
      layer.bindTooltip(label(road), {sticky: true});
      layer.on("click", function (event) { L.DomEvent.stop(event); drop(road.way_id); });
      var item = document.createElement("li");
      item.dataset.way = String(road.way_id);
      var text = document.createElement("span");
      text.className = "cl-road-name";
      text.textContent = label(road);
      var length = document.createElement("small");
      length.className = "bt-muted";
      length.textContent = " " + (road.length_m >= 1000 ? (road.length_m / 1000).toFixed(1) + " km" : Math.round(road.length_m) + " m");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "cl-remove";
      remove.textContent = box.dataset.remove;
      remove.addEventListener("click", function () { drop(road.way_id); });
      item.append(text, length, remove);
      $("cl-roads").appendChild(item);
      picked.set(road.way_id, {road: road, layer: layer, item: item});
      showRoads();
    }

    map.on("click", function (event) {
      $("cl-pick-error").textContent = "";
      var url = "/closures/road-at?lon=" + event.latlng.lng.toFixed(7) + "&lat=" + event.latlng.lat.toFixed(7);
      window.Baotong.fetch(url, {headers: {"Accept": "application/json"}}).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) { $("cl-pick-error").textContent = detailOf(body, response.status); return; }
          if (picked.has(body.way_id)) { drop(body.way_id); } else { pick(body); }
        });
      }).catch(function (err) { $("cl-pick-error").textContent = String(err); });
    });

    function body() {
      return {
        county_code: $("cl-county").value,
        mode: $("cl-mode").value,
        direction: $("cl-direction").value,
        starts_at: zonedIso($("cl-starts").value, tz),
        ends_at: zonedIso($("cl-ends").value, tz),
        reason: $("cl-reason").value.trim(),
        way_ids: Array.from(picked.keys())
      };
    }

    function post(url, accept) {
      return window.Baotong.fetch(url, {
        method: "POST",
        headers: {"Content-Type": "application/json", "Accept": accept},
        body: JSON.stringify(body())
      });
    }

    ["cl-county", "cl-mode", "cl-direction", "cl-starts", "cl-ends", "cl-reason"].forEach(function (id) {
      $(id).addEventListener("input", stale);
      $(id).addEventListener("change", stale);
    });

    $("cl-check").addEventListener("click", function () {
      var result = $("cl-result");
      result.classList.remove("cl-stale");
      result.className = "";
      result.textContent = result.dataset.checking;
      $("cl-filed").hidden = true;
      post("/closures/new/check", "text/html").then(function (response) {
        if (response.ok) {
          return response.text().then(function (html) {
            result.innerHTML = html;  // rendered by the server's templates, every value escaped
            var check = result.querySelector(".cl-check");
            checked = true;
            $("cl-submit").disabled = !check || check.dataset.status === "rejected";
          });
        }
        return response.json().catch(function () { return null; }).then(function (err) {
          result.className = "bt-error";
          result.dataset.error = "1";
          result.textContent = detailOf(err, response.status);
        });
      }).catch(function (err) { result.className = "bt-error"; result.textContent = String(err); });
    });

    $("cl-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!checked) { return; }
      $("cl-submit").disabled = true;
      post("/closures", "application/json").then(function (response) {
        return response.json().catch(function () { return null; }).then(function (doc) {
          var filed = $("cl-filed");
          filed.hidden = false;
          if (response.status !== 201) {
            filed.className = "cl-filed bt-error";
            filed.textContent = detailOf(doc, response.status);
            return;
          }
          filed.className = "cl-filed ap-ok";
          filed.dataset.closure = doc.id;
          filed.dataset.status = doc.status;
          filed.textContent = filed.dataset.text.replace("{id}", doc.id);
          Array.from(picked.keys()).forEach(drop);
          $("cl-reason").value = "";
          $("cl-result").textContent = "";
          checked = false;
        });
      }).catch(function (err) { $("cl-filed").hidden = false; $("cl-filed").textContent = String(err); });
    });
  });
})();
