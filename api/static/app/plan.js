/* The planner's plan page: sites placed by a click and moved by dragging, station siting, docking points, drop
 * points and green channels, each through the API call a program makes; GET /plan/layers says what to draw. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var RISK_COLOURS = {sealed: "#d62728", controlled: "#ff7f0e", precaution: "#f2c500"};
  var KIND_COLOURS = {
    enterprise: "#2b8a3e", hub_rail: "#00639b", hub_coach: "#38aadd", hub_logistics: "#9c36b5",
    candidate_station: "#436978", demand: "#303030"
  };
  var HUBS = ["hub_rail", "hub_coach", "hub_logistics"];

  document.addEventListener("DOMContentLoaded", function () {
    var words = JSON.parse($("pl-words").dataset.words);
    var map = window.Baotong.pageMap($("pl-map"));
    var groups = {};
    ["zones", "green_channels", "lines", "sites", "docking_points", "drop_points", "stations"].forEach(function (k) {
      groups[k] = L.featureGroup().addTo(map);
    });
    var data = null;
    var placing = false;
    var pendingMove = null;

    function say(id, text, ok) {
      var el = $(id);
      el.className = "pl-result " + (ok ? "ap-ok" : "bt-error");
      el.textContent = text;
    }
    function fill(text, values) {
      return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? "" : String(values[k]); });
    }
    function api(method, url, body) {
      var options = {method: method, headers: {"Accept": "application/json"}};
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      return window.Baotong.fetch(url, options).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (answer) {
          if (!response.ok) { throw new Error(window.Baotong.detailOf(answer, response.status)); }
          return answer;
        });
      });
    }
    function option(select, value, text) {
      var o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      select.appendChild(o);
    }
    function siteName(f) { return (f.properties.name || f.id) + "（" + (words.kinds[f.properties.kind] || f.properties.kind) + "）"; }

    function drawSites() {
      groups.sites.clearLayers();
      data.sites.forEach(function (f) {
        var p = f.geometry.type === "Point" ? f.geometry.coordinates : null;
        if (!p) {  // premises: the outline, and a handle at its centre to drag
          L.geoJSON(f, {style: function () { return {color: KIND_COLOURS[f.properties.kind], weight: 2, fillOpacity: 0.1}; }})
            .addTo(groups.sites);
          var c = L.geoJSON(f).getBounds().getCenter();
          p = [c.lng, c.lat];
        }
        var marker = L.marker([p[1], p[0]], {draggable: true, title: siteName(f)});
        marker.bindTooltip(siteName(f));
        marker.siteId = f.id;
        marker.on("dragend", function () {
          var at = marker.getLatLng();
          pendingMove = {marker: marker, feature: f, from: [p[1], p[0]], to: [at.lng, at.lat]};
          $("pl-move-text").textContent = fill(words.move_ask, {name: siteName(f)});
          $("pl-move").hidden = false;
        });
        marker.addTo(groups.sites);
      });
    }

    function drawAll() {
      groups.zones.clearLayers();
      L.geoJSON({type: "FeatureCollection", features: data.zones}, {
        style: function (f) { var c = RISK_COLOURS[f.properties.risk] || "#555"; return {color: c, weight: 2, fillOpacity: 0.12}; },
        onEachFeature: function (f, layer) { layer.bindTooltip((f.properties.name || f.id) + " · " + (words.risks[f.properties.risk] || "")); }
      }).addTo(groups.zones);
      drawSites();
      ["docking_points", "drop_points", "green_channels"].forEach(function (k) {
        groups[k].clearLayers();
        var colour = {docking_points: "#ff7f0e", drop_points: "#2ca02c", green_channels: "#00a651"}[k];
        L.geoJSON({type: "FeatureCollection", features: data[k]}, {
          style: function (f) { return Object.assign({color: colour, weight: 5}, (f.properties && f.properties.style) || {}); },
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 7, color: colour, fillColor: colour, fillOpacity: 0.9}); }
        }).addTo(groups[k]);
      });
      drawPlan();
      fillSelects();
    }

    function drawPlan() {
      groups.stations.clearLayers();
      groups.lines.clearLayers();
      var box = $("pl-plan");
      box.textContent = "";
      var plan = data.plan;
      if (!plan) { return; }
      L.geoJSON({type: "FeatureCollection", features: plan.lines}, {
        style: function (f) { return f.properties.style || {weight: 1.5}; }
      }).addTo(groups.lines);
      L.geoJSON({type: "FeatureCollection", features: plan.stations}, {
        pointToLayer: function (f, latlng) {
          var s = f.properties.style || {};
          return L.circleMarker(latlng, {radius: 10, color: "#111", weight: 2, fillColor: s.fillColor || "#d62728", fillOpacity: 0.95});
        },
        onEachFeature: function (f, layer) { layer.bindTooltip(words.station + " " + (f.properties.name || f.id)); }
      }).addTo(groups.stations);
      var head = document.createElement("p");
      head.className = "ap-ok";
      head.dataset.plan = plan.id;
      head.textContent = fill(words.plan_done, {id: plan.id, n: plan.stations.length, status: (plan.search && plan.search.status) || ""});
      box.appendChild(head);
      var list = document.createElement("ul");
      list.id = "pl-chosen";
      plan.stations.forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = (f.properties.name || f.id) + " · " + fill(words.served, {n: f.properties.served_count, min: (f.properties.mean_time_s / 60).toFixed(1)});
        list.appendChild(li);
      });
      box.appendChild(list);
      if (plan.excluded.length) {
        var ex = document.createElement("ul");
        ex.id = "pl-excluded";
        ex.className = "pl-excluded";
        plan.excluded.forEach(function (e) {
          var li = document.createElement("li");
          li.dataset.candidate = e.id;
          li.textContent = (e.name || e.id) + words.colon + e.reason;
          ex.appendChild(li);
        });
        box.appendChild(ex);
      }
    }

    function fillSelects() {
      var zone = $("pl-dock-zone"), drop = $("pl-drop-site"), from = $("pl-channel-from"), to = $("pl-channel-to");
      [zone, drop, from, to].forEach(function (s) { s.textContent = ""; });
      data.zones.filter(function (z) { return z.properties.risk !== "precaution"; }).forEach(function (z) {
        option(zone, z.id, (z.properties.name || z.id) + " · " + (words.risks[z.properties.risk] || ""));
      });
      data.sites.forEach(function (f) {
        var kind = f.properties.kind;
        if (kind === "enterprise") { option(drop, f.id, siteName(f)); }
        if (kind === "hub_rail" || kind === "hub_coach") { option(from, f.id, siteName(f)); }
        if (HUBS.indexOf(kind) >= 0) { option(to, f.id, siteName(f)); }
      });
    }

    function reload(planId) {
      var url = "/plan/layers" + (planId ? "?plan_id=" + encodeURIComponent(planId) : "");
      return api("GET", url).then(function (answer) { data = answer; drawAll(); });
    }

    // -- sites: place by a click, move by dragging --------------------------------------------------
    $("pl-place").addEventListener("click", function () {
      placing = true;
      $("pl-map").classList.add("pl-placing");
      say("pl-sites-result", words.placing, true);
    });
    map.on("click", function (event) {
      if (!placing) { return; }
      placing = false;
      $("pl-map").classList.remove("pl-placing");
      var props = {kind: $("pl-site-kind").value, whitelist: $("pl-site-whitelist").checked};
      if ($("pl-site-name").value.trim()) { props.name = $("pl-site-name").value.trim(); }
      if ($("pl-site-sector").value.trim()) { props.sector = $("pl-site-sector").value.trim(); }
      if ($("pl-site-county").value) { props.county_code = $("pl-site-county").value; }
      var feature = {type: "Feature", geometry: {type: "Point", coordinates: [event.latlng.lng, event.latlng.lat]}, properties: props};
      api("POST", "/sites", feature).then(function (site) {
        $("pl-sites-result").dataset.site = site.id;
        say("pl-sites-result", fill(words.placed, {name: site.properties.name || site.id, m: site.snapped ? site.snapped.distance_m : ""}), true);
        return reload(data.plan && data.plan.id);
      }).catch(function (err) { say("pl-sites-result", err.message, false); });
    });
    $("pl-move-yes").addEventListener("click", function () {
      var move = pendingMove;
      pendingMove = null;
      $("pl-move").hidden = true;
      if (!move) { return; }
      api("PATCH", "/sites/" + encodeURIComponent(move.feature.id), {geometry: {type: "Point", coordinates: move.to}})
        .then(function (site) {
          $("pl-sites-result").dataset.moved = site.id;
          say("pl-sites-result", [fill(words.moved, {name: site.properties.name || site.id})].concat(site.notes || []).join(" "), true);
          return reload(data.plan && data.plan.id);
        }).catch(function (err) { move.marker.setLatLng(move.from); say("pl-sites-result", err.message, false); });
    });
    $("pl-move-no").addEventListener("click", function () {
      if (pendingMove) { pendingMove.marker.setLatLng(pendingMove.from); }
      pendingMove = null;
      $("pl-move").hidden = true;
    });

    // -- station siting -------------------------------------------------------------------------------
    $("pl-siting-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var model = $("pl-model").value;
      var body = {model: model, time_limit_s: Number($("pl-limit").value) || 30};
      if (model !== "lscp") { body.p = Number($("pl-p").value); }
      if (model !== "p_median") { body.service_time_s = Number($("pl-service").value) * 60; }
      var box = $("pl-plan");
      box.className = "pl-result";
      box.textContent = words.working;
      api("POST", "/plans/stations", body).then(function (plan) { return reload(plan.id); })
        .catch(function (err) { box.className = "pl-result bt-error"; box.textContent = err.message; });
    });

    // -- docking points, drop points, green channels ----------------------------------------------------
    $("pl-docking-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var zone = $("pl-dock-zone").value;
      if (!zone) { say("pl-docking-result", words.none, false); return; }
      say("pl-docking-result", words.working, true);
      api("POST", "/zones/" + encodeURIComponent(zone) + "/docking-points", {k: Number($("pl-dock-k").value) || 1})
        .then(function (answer) {
          $("pl-docking-result").dataset.count = String(answer.count);
          say("pl-docking-result", fill(words.docking_done, {n: answer.count}), true);
          return reload(data.plan && data.plan.id);
        }).catch(function (err) { say("pl-docking-result", err.message, false); });
    });
    $("pl-drop-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var site = $("pl-drop-site").value;
      if (!site) { say("pl-drop-result", words.none, false); return; }
      say("pl-drop-result", words.working, true);
      api("POST", "/sites/" + encodeURIComponent(site) + "/drop-point").then(function (answer) {
        $("pl-drop-result").dataset.site = answer.site_id;
        say("pl-drop-result", fill(words.drop_done, {road: (answer.access_road && answer.access_road.name) || ""}), true);
        return reload(data.plan && data.plan.id);
      }).catch(function (err) { say("pl-drop-result", err.message, false); });
    });
    $("pl-channel-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {origin_site_id: $("pl-channel-from").value, destination_site_id: $("pl-channel-to").value};
      if (!body.origin_site_id || !body.destination_site_id) { say("pl-channel-result", words.none, false); return; }
      if ($("pl-channel-name").value.trim()) { body.name = $("pl-channel-name").value.trim(); }
      say("pl-channel-result", words.working, true);
      api("POST", "/green-channels", body).then(function (answer) {
        $("pl-channel-result").dataset.channel = answer.id;
        say("pl-channel-result", fill(words.channel_done, {name: answer.name, km: (answer.length_m / 1000).toFixed(1)}), true);
        return reload(data.plan && data.plan.id);
      }).catch(function (err) { say("pl-channel-result", err.message, false); });
    });

    reload(null).catch(function (err) { say("pl-sites-result", err.message, false); });
  });
})();
