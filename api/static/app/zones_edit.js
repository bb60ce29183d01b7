/* The planner's zones on the map: draw a polygon, rectangle or circle (Leaflet-Geoman) and save it with
 * POST /zones; click a zone to edit it (PATCH /zones/{id} with expected_version), lift it (DELETE) and read its
 * history (GET /zones/{id}/history); the effect of the drawn or selected outline from POST /zones/effect. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var RISK_COLORS = {sealed: "#d7301f", controlled: "#f28e2b", precaution: "#f2c80f"};
  var ROADS_STYLE = {color: "#7b1fa2", weight: 5, opacity: 0.9};  // apart from the drawing tool's blue
  var CIRCLE_VERTICES = 64;
  var EARTH_M = 6371008.8;

  var detailOf = function (body, status) { return window.Baotong.detailOf(body, status); };

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? String(values[key]) : all; });
  }

  var zonedIso = function (value, tz) { return window.Baotong.zonedIso(value, tz); };

  var wallTime = function (iso, tz) { return window.Baotong.wallTime(iso, tz); };

  function shownTime(iso, tz) { return wallTime(iso, tz).replace("T", " "); }

  // a circle as a GeoJSON polygon of CIRCLE_VERTICES vertices, laid out in metres on the sphere
  function circlePolygon(center, radiusM) {
    var lat0 = center.lat * Math.PI / 180, lon0 = center.lng * Math.PI / 180, d = radiusM / EARTH_M;
    var ring = [];
    for (var i = 0; i < CIRCLE_VERTICES; i++) {
      var bearing = 2 * Math.PI * i / CIRCLE_VERTICES;
      var lat = Math.asin(Math.sin(lat0) * Math.cos(d) + Math.cos(lat0) * Math.sin(d) * Math.cos(bearing));
      var lon = lon0 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat0), Math.cos(d) - Math.sin(lat0) * Math.sin(lat));
      ring.push([+(lon * 180 / Math.PI).toFixed(7), +(lat * 180 / Math.PI).toFixed(7)]);
    }
    ring.push(ring[0]);
    return {type: "Polygon", coordinates: [ring]};
  }

  function geometryOf(layer) {
    if (layer instanceof L.Circle) { return circlePolygon(layer.getLatLng(), layer.getRadius()); }
    return layer.toGeoJSON().geometry;
  }

  function call(url, method, body) {
    var init = {method: method, headers: {"Accept": "application/json"}};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return window.Baotong.fetch(url, init).then(function (response) {
      if (response.status === 204) { return {response: response, body: null}; }
      return response.json().catch(function () { return null; }).then(function (doc) {
        return {response: response, body: doc};
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = $("zn-map"), form = $("zn-form");
    var config = JSON.parse(box.dataset.config);
    var grades = JSON.parse(box.dataset.grades);
    var risks = JSON.parse(box.dataset.risks);
    var tz = form.dataset.timezone;
    var map = window.Baotong.pageMap(box);
    if (config.lang === "zh") { map.pm.setLang("zh"); }
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawText: false,
      drawPolygon: true, drawRectangle: true, drawCircle: true, editMode: false, dragMode: false,
      cutPolygon: false, removalMode: false, rotateMode: false
    });

    var zonesLayer = L.layerGroup().addTo(map);
    var roadsLayer = L.layerGroup().addTo(map);
    var drawn = null;     // the outline drawn and not saved yet
    var selected = null;  // {feature, layer, outlineEdited}
    var effectSeq = 0, saves = 0;

    function status(text, isError) {
      var p = $("zn-status");
      p.textContent = text;
      p.className = isError ? "bt-error" : "ap-ok";
    }

    // -- the zones on the map --------------------------------------------------------------------------
    function styleOf(feature) {
      var color = RISK_COLORS[feature.properties.risk] || "#555555";
      return {color: color, weight: 2, fillColor: color, fillOpacity: 0.3};
    }

    function loadZones() {
      return call("/zones", "GET").then(function (r) {
        if (!r.response.ok) { status(detailOf(r.body, r.response.status), true); return; }
        zonesLayer.clearLayers();
        r.body.features.forEach(function (feature) {
          var layer = L.geoJSON(feature, {style: styleOf}).getLayers()[0];
          layer.bindTooltip((feature.properties.name || feature.id) + " · " + (risks[feature.properties.risk] || ""), {sticky: true});
          layer.on("click", function (event) { L.DomEvent.stop(event); select(feature, layer); });
          zonesLayer.addLayer(layer);
          var el = layer.getElement && layer.getElement();
          if (el) { el.setAttribute("data-zone", feature.id); el.setAttribute("data-risk", feature.properties.risk); }
          if (selected && selected.feature.id === feature.id) { selected.layer = layer; }
        });
        box.dataset.zones = String(r.body.features.length);
      });
    }

    // -- the effect of an outline --------------------------------------------------------------------
    function showEffect(geometry) {
      var out = $("zn-effect"), seq = ++effectSeq;
      out.textContent = out.dataset.loading;
      delete out.dataset.arcs;
      call("/zones/effect", "POST", {geometry: geometry}).then(function (r) {
        if (seq !== effectSeq) { return; }
        roadsLayer.clearLayers();
        out.textContent = "";
        if (!r.response.ok) {
          var err = document.createElement("p");
          err.className = "bt-error";
          err.textContent = detailOf(r.body, r.response.status);
          out.appendChild(err);
          out.dataset.error = String(r.response.status);
          return;
        }
        var e = r.body;
        delete out.dataset.error;
        L.geoJSON(e.geometry, {style: function () { return ROADS_STYLE; }, interactive: false}).addTo(roadsLayer);
        var head = document.createElement("p");
        head.className = "zn-roads";
        head.textContent = fill(out.dataset.roads, {km: e.road_km.toFixed(2), n: e.arcs});
        var byGrade = document.createElement("ul");
        Object.keys(e.km_by_grade).forEach(function (g) {
          var li = document.createElement("li");
          li.dataset.grade = g;
          li.textContent = (grades[g] || g) + ": " + e.km_by_grade[g].toFixed(2) + " km";
          byGrade.appendChild(li);
        });
        out.append(head, byGrade);
        [["routes", e.routes, function (x) { return x.id; }], ["passes", e.passes, function (x) { return x.pass_no + " " + x.plate; }]]
          .forEach(function (kind) {
            var p = document.createElement("p");
            p.className = "zn-" + kind[0];
            p.dataset.count = String(kind[1].count);
            p.textContent = fill(out.dataset[kind[0]], {n: kind[1].count});
            out.appendChild(p);
            if (kind[1].data.length) {
              var ul = document.createElement("ul");
              kind[1].data.forEach(function (x) {
                var li = document.createElement("li");
                li.textContent = kind[2](x);
                ul.appendChild(li);
              });
              out.appendChild(ul);
            }
          });
        out.dataset.arcs = String(e.arcs);
      }).catch(function (err) { out.textContent = String(err); });
    }

    function clearEffect() {
      effectSeq++;
      roadsLayer.clearLayers();
      var out = $("zn-effect");
      out.textContent = out.dataset.empty;
      delete out.dataset.arcs;
    }

    // -- drawing a new zone ---------------------------------------------------------------------------
    map.on("pm:create", function (event) {
      deselect();
      if (drawn) { map.removeLayer(drawn); }
      drawn = event.layer;
      drawn.on("pm:edit", function () { showEffect(geometryOf(drawn)); });
      showEffect(geometryOf(drawn));
    });

    // -- a stored zone selected ------------------------------------------------------------------------
    function showHistory(zoneId) {
      var list = $("zn-history");
      list.textContent = "";
      call("/zones/" + encodeURIComponent(zoneId) + "/history", "GET").then(function (r) {
        if (!r.response.ok) { status(detailOf(r.body, r.response.status), true); return; }
        $("zn-history-empty").hidden = true;
        r.body.versions.slice().reverse().forEach(function (v) {
          var li = document.createElement("li");
          li.dataset.version = String(v.version);
          li.dataset.action = v.action;
          var what = v.changes.map(function (c) {
            var field = c.field === "geometry" ? list.dataset.geometry : (list.dataset[c.field] || c.field);
            if (c.field === "geometry") { return field; }
            var word = function (value) {
              if (value === null || value === undefined) { return "—"; }
              if (c.field === "risk") { return risks[value] || value; }
              return /^\d{4}-\d{2}-\d{2}T/.test(String(value)) ? shownTime(value, tz) : value;
            };
            return field + " " + word(c.from) + " → " + word(c.to);
          }).join("; ");
          li.textContent = "v" + v.version + " " + (list.dataset[v.action] || v.action) + " · " + (v.changed_by || "—") +
            " · " + shownTime(v.changed_at, tz) + (what ? " · " + what : "") + (v.reason ? " · " + v.reason : "");
          list.appendChild(li);
        });
      });
    }

    function fillForm(props) {
      $("zn-name").value = props.name || "";
      $("zn-risk").value = props.risk;
      $("zn-county").value = props.county_code || "";
      $("zn-from").value = wallTime(props.valid_from, tz);
      $("zn-until").value = wallTime(props.valid_until, tz);
      $("zn-reason").value = "";
    }

    function select(feature, layer) {
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      if (selected && selected.layer && selected.layer.pm) { selected.layer.pm.disable(); }
      selected = {feature: feature, layer: layer, outlineEdited: false};
      form.dataset.zone = feature.id;
      form.dataset.version = String(feature.properties.version);
      $("zn-heading").textContent = fill(form.dataset.selected, {id: feature.id, version: feature.properties.version});
      fillForm(feature.properties);
      $("zn-delete").hidden = false;
      $("zn-cancel").hidden = false;
      layer.pm.enable({allowSelfIntersection: false});
      layer.on("pm:edit", function () {
        if (selected && selected.layer === layer) { selected.outlineEdited = true; showEffect(geometryOf(layer)); }
      });
      showEffect(feature.geometry);
      showHistory(feature.id);
    }

    function deselect() {
      if (selected && selected.layer && selected.layer.pm) { selected.layer.pm.disable(); }
      selected = null;
      delete form.dataset.zone;
      delete form.dataset.version;
      $("zn-heading").textContent = form.dataset.new;
      $("zn-delete").hidden = true;
      $("zn-cancel").hidden = true;
      $("zn-history").textContent = "";
      $("zn-history-empty").hidden = false;
    }

    function reloadSelected(zoneId) {
      return loadZones().then(function () {
        var found = null;
        zonesLayer.eachLayer(function (layer) { if (layer.feature && layer.feature.id === zoneId) { found = layer; } });
        if (found) { select(found.feature, found); } else { deselect(); clearEffect(); }
      });
    }

    function properties() {
      return {
        name: $("zn-name").value.trim(),
        risk: $("zn-risk").value,
        county_code: $("zn-county").value || null,
        valid_from: zonedIso($("zn-from").value, tz),
        valid_until: zonedIso($("zn-until").value, tz)
      };
    }

    function saved(doc) {
      saves++;
      status(fill(form.dataset.saved, {id: doc.id, version: doc.properties.version}), false);
      $("zn-status").dataset.zone = doc.id;
      return reloadSelected(doc.id).then(function () { $("zn-status").dataset.saved = String(saves); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var props = properties();
      if (selected) {
        var zoneId = selected.feature.id;
        var body = {properties: props, expected_version: selected.feature.properties.version};
        if (!props.name) { delete body.properties.name; }
        if ($("zn-reason").value.trim()) { body.reason = $("zn-reason").value.trim(); }
        if (selected.outlineEdited) { body.geometry = geometryOf(selected.layer); }
        call("/zones/" + encodeURIComponent(zoneId), "PATCH", body).then(function (r) {
          if (r.response.status === 409) {
            status(form.dataset.conflict, true);
            $("zn-status").dataset.conflict = "1";
            return reloadSelected(zoneId);
          }
          if (!r.response.ok) { status(detailOf(r.body, r.response.status), true); return; }
          return saved(r.body);
        }).catch(function (err) { status(String(err), true); });
        return;
      }
      if (!drawn) { status(form.dataset.drawFirst, true); return; }
      var feature = {type: "Feature", geometry: geometryOf(drawn), properties: props};
      if (!props.name) { delete feature.properties.name; }
      call("/zones", "POST", feature).then(function (r) {
        if (r.response.status !== 201) { status(detailOf(r.body, r.response.status), true); return; }
        map.removeLayer(drawn);
        drawn = null;
        return saved(r.body);
      }).catch(function (err) { status(String(err), true); });
    });

    $("zn-delete").addEventListener("click", function () {
      if (!selected) { return; }
      var feature = selected.feature;
      if (!window.confirm(fill(form.dataset.confirm, {name: feature.properties.name || feature.id}))) { return; }
      var url = "/zones/" + encodeURIComponent(feature.id) + "?expected_version=" + feature.properties.version;
      call(url, "DELETE").then(function (r) {
        if (r.response.status === 409) {
          status(form.dataset.conflict, true);
          return reloadSelected(feature.id);
        }
        if (r.response.status !== 204) { status(detailOf(r.body, r.response.status), true); return; }
        deselect();
        clearEffect();
        status(fill(form.dataset.deleted, {id: feature.id}), false);
        return loadZones().then(function () { $("zn-status").dataset.deleted = feature.id; });
      }).catch(function (err) { status(String(err), true); });
    });

    $("zn-cancel").addEventListener("click", function () { deselect(); clearEffect(); });

    loadZones();
  });
})();
