/* A dispatcher plans a trip on the map: clicks (or the enterprise's sites) set the origin, destination and
 * waypoints; "plan" sends POST /routes, the call a program makes, and draws the route leg by leg in the route
 * map's styles with the zones and the entry and exit points; GET /trips/{id}/panel writes the legs, zones
 * crossed, warnings and explanation.  A pass is requested from the same trip with POST /passes; a 409 names the
 * vehicle's valid pass and offers to replace it (the same body with `replaces`). */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var POINT_COLOURS = {origin: "#1f78b4", destination: "#7b3294", waypoint: "#555555"};

  document.addEventListener("DOMContentLoaded", function () {
    var T = window.BaotongTrips;
    var box = $("tp-map");
    var config = JSON.parse(box.dataset.config);
    var styles = JSON.parse(box.dataset.styles);
    var tz = $("tp-form").dataset.timezone;
    var map = window.Baotong.pageMap(box);

    var ends = {origin: null, destination: null};  // {lonlat, site, marker}
    var waypoints = [];  // {lonlat, marker}
    var routeLayer = L.layerGroup().addTo(map);
    var planned = null;  // the trip of the route on the map: what a pass is requested for
    var fleet = {vehicles: [], crew: []};

    function marker(kind, lonlat, label) {
      return L.circleMarker([lonlat[1], lonlat[0]], {
        radius: 8, color: "#ffffff", weight: 2, fillColor: POINT_COLOURS[kind], fillOpacity: 1, className: "tp-point-" + kind
      }).bindTooltip(label).addTo(map);
    }

    function showEnd(kind) {
      var end = ends[kind];
      $("tp-" + kind + "-at").textContent = end ? end.lonlat[0].toFixed(5) + ", " + end.lonlat[1].toFixed(5) : "";
    }

    function setEnd(kind, lonlat, site) {
      if (ends[kind]) { map.removeLayer(ends[kind].marker); }
      ends[kind] = {lonlat: lonlat, site: site || null, marker: marker(kind, lonlat, box.dataset[kind])};
      if (!site) { $("tp-" + kind + "-site").value = ""; }
      showEnd(kind);
    }

    function pickMode() {
      var checked = document.querySelector("input[name=pick]:checked");
      return checked ? checked.value : "origin";
    }

    function setPickMode(value) {
      document.querySelector("input[name=pick][value=" + value + "]").checked = true;
    }

    map.on("click", function (event) {
      var lonlat = [+event.latlng.lng.toFixed(7), +event.latlng.lat.toFixed(7)];
      var mode = pickMode();
      if (mode === "waypoint") {
        waypoints.push({lonlat: lonlat, marker: marker("waypoint", lonlat, box.dataset.waypoint + " " + (waypoints.length + 1))});
        $("tp-waypoint-count").textContent = String(waypoints.length);
        return;
      }
      setEnd(mode, lonlat, null);
      if (mode === "origin" && !ends.destination) { setPickMode("destination"); }
    });

    ["origin", "destination"].forEach(function (kind) {
      $("tp-" + kind + "-site").addEventListener("change", function (event) {
        var option = event.target.selectedOptions[0];
        if (!option || !option.value) { return; }
        setEnd(kind, [+option.dataset.lon, +option.dataset.lat], option.value);
        $("tp-" + kind + "-site").value = option.value;
      });
    });

    $("tp-clear-waypoints").addEventListener("click", function () {
      waypoints.forEach(function (w) { map.removeLayer(w.marker); });
      waypoints = [];
      $("tp-waypoint-count").textContent = "0";
    });

    function loadFleet() {
      var site = $("tp-enterprise").value;
      var vehicles = $("tp-vehicle");
      vehicles.textContent = "";
      if (!site) { return Promise.resolve(); }
      return Promise.all([
        T.callJson("/sites/" + encodeURIComponent(site) + "/vehicles"),
        T.callJson("/sites/" + encodeURIComponent(site) + "/crew")
      ]).then(function (answers) {
        fleet.vehicles = answers[0].ok ? answers[0].body.data : [];
        fleet.crew = answers[1].ok ? answers[1].body.data : [];
        if (!fleet.vehicles.length) {
          var none = document.createElement("option");
          none.value = "";
          none.textContent = vehicles.dataset.none;
          vehicles.appendChild(none);
        }
        fleet.vehicles.forEach(function (v) {
          var option = document.createElement("option");
          option.value = v.id;
          option.textContent = v.plate;
          vehicles.appendChild(option);
        });
        showCrew();
      });
    }

    function showCrew() {
      var crew = $("tp-crew");
      if (!crew) { return; }  // no pass form: the caller plans trips but does not request passes
      Array.from(crew.querySelectorAll("label, p")).forEach(function (el) { el.remove(); });
      if (!fleet.crew.length) {
        var none = document.createElement("p");
        none.className = "bt-muted";
        none.textContent = crew.dataset.none;
        crew.appendChild(none);
      }
      fleet.crew.forEach(function (c, i) {
        var label = document.createElement("label");
        label.className = "tp-radio";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.name = "crew";
        input.value = c.id;
        input.checked = i === 0;
        label.append(input, " " + c.name + " · " + c.role);
        crew.appendChild(label);
      });
    }

    $("tp-enterprise").addEventListener("change", loadFleet);
    loadFleet();

    function vehicleLimits() {
      var id = $("tp-vehicle").value;
      var v = fleet.vehicles.filter(function (x) { return x.id === id; })[0];
      if (!v) { return null; }
      var out = {};
      ["height_m", "weight_t", "width_m"].forEach(function (k) { if (v[k] != null) { out[k] = v[k]; } });
      return Object.keys(out).length ? out : null;
    }

    function trip() {
      var body = {waypoints: waypoints.map(function (w) { return w.lonlat; })};
      ["origin", "destination"].forEach(function (kind) {
        var end = ends[kind];
        if (end.site) { body[kind + "_site_id"] = end.site; } else { body[kind] = end.lonlat; }
      });
      var departure = T.zonedIso($("tp-departure").value, tz);
      if (departure) { body.departure = departure; }
      return body;
    }

    function drawZones(route) {
      var url = "/zones" + (route.departure ? "?active_at=" + encodeURIComponent(route.departure) : "");
      return T.callJson(url).then(function (answer) {
        if (!answer.ok || !answer.body) { return; }
        var crossed = {};
        route.zones_crossed.forEach(function (z) { crossed[z.zone_id] = true; });
        L.geoJSON(answer.body, {
          style: function (f) {
            var colour = styles.risks[f.properties.risk] || "#888888";
            return {color: colour, fillColor: colour, weight: crossed[f.id] ? 3 : 1, fillOpacity: crossed[f.id] ? 0.3 : 0.12, className: "tp-zone"};
          },
          interactive: false
        }).addTo(routeLayer);
      });
    }

    function drawRoute(route) {
      routeLayer.clearLayers();
      var bounds = L.latLngBounds([]);
      route.legs.forEach(function (leg) {
        var style = Object.assign({}, styles.legs[leg.kind] || {color: "#555555", weight: 4}, {className: "tp-leg tp-leg-" + leg.kind});
        var layer = L.geoJSON(leg.geometry, {style: function () { return style; }}).addTo(routeLayer);
        bounds.extend(layer.getBounds());
      });
      route.zones_crossed.forEach(function (z) {
        [["entry", z.entry], ["exit", z.exit]].forEach(function (pair) {
          if (!pair[1]) { return; }
          L.circleMarker([pair[1][1], pair[1][0]], {
            radius: 6, color: "#000000", weight: 2, fillColor: pair[0] === "entry" ? "#ffffff" : "#d7301f", fillOpacity: 1,
            className: "tp-" + pair[0]
          }).bindTooltip(box.dataset[pair[0]] + " · " + (z.name || z.zone_id)).addTo(routeLayer);
        });
      });
      if (bounds.isValid()) { map.fitBounds(bounds, {padding: [30, 30], animate: false}); }
      box.dataset.route = route.id;  // the route is on the map
    }

    $("tp-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var error = $("tp-error");
      if (!ends.origin || !ends.destination) { error.textContent = error.dataset.need; return; }
      error.textContent = error.dataset.planning;
      delete box.dataset.route;
      $("tp-plan").disabled = true;
      var body = trip();
      var limits = vehicleLimits();
      if (limits) { body.vehicle = limits; }
      T.callJson("/routes", "POST", body).then(function (answer) {
        $("tp-plan").disabled = false;
        if (answer.status !== 201) { error.textContent = T.detailOf(answer.body, answer.status); return; }
        error.textContent = "";
        var route = answer.body;
        planned = trip();
        drawRoute(route);
        drawZones(route);
        return window.Baotong.fetch("/trips/" + encodeURIComponent(route.id) + "/panel", {headers: {"Accept": "text/html"}})
          .then(function (response) { return response.text().then(function (html) { return {ok: response.ok, html: html}; }); })
          .then(function (panel) {
            if (panel.ok) { $("tp-panel").innerHTML = panel.html; }  // rendered by the server's templates, every value escaped
            if ($("tp-pass")) { $("tp-pass").hidden = false; }
          });
      }).catch(function (err) { $("tp-plan").disabled = false; error.textContent = String(err); });
    });

    function passBody(replaces) {
      var body = Object.assign({}, planned, {
        enterprise_id: $("tp-enterprise").value,
        vehicle_id: $("tp-vehicle").value || null,
        crew_ids: Array.from(document.querySelectorAll("#tp-crew input[name=crew]:checked")).map(function (i) { return i.value; }),
        cargo: $("tp-cargo").value.trim(),
        valid_until: T.zonedIso($("tp-valid-until").value, tz)
      });
      var from = T.zonedIso($("tp-valid-from").value, tz);
      if (from) { body.valid_from = from; }
      if (replaces) { body.replaces = replaces; }
      return body;
    }

    function requestPass(replaces) {
      var conflict = $("tp-conflict"), issued = $("tp-issued"), error = $("tp-pass-error");
      conflict.hidden = true;
      issued.hidden = true;
      error.textContent = "";
      $("tp-request").disabled = true;
      T.callJson("/passes", "POST", passBody(replaces)).then(function (answer) {
        $("tp-request").disabled = false;
        if (answer.status === 201) {
          issued.hidden = false;
          issued.dataset.pass = answer.body.pass_no;
          issued.textContent = issued.dataset.text.replace("{no}", answer.body.pass_no);
          return;
        }
        var detail = T.detailOf(answer.body, answer.status);
        var held = answer.status === 409 && /pass (\d{12})/.exec((answer.body && answer.body.detail_en) || detail);
        if (held) {
          conflict.hidden = false;
          conflict.dataset.pass = held[1];
          $("tp-conflict-text").textContent = conflict.dataset.text.replace("{no}", held[1]) + " " + detail;
          return;
        }
        error.textContent = detail;
      }).catch(function (err) { $("tp-request").disabled = false; error.textContent = String(err); });
    }

    if ($("tp-pass")) {
      $("tp-pass").addEventListener("submit", function (event) {
        event.preventDefault();
        if (planned) { requestPass(null); }
      });
      $("tp-replace").addEventListener("click", function () { requestPass($("tp-conflict").dataset.pass); });
    }
  });
})();
