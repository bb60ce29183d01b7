/* The command dashboard: every figure, list, alert, map layer and the scans-per-hour chart drawn from one
 * snapshot (GET /dashboard/figures), replaced by each `snapshot` event of GET /dashboard/events.  EventSource
 * reconnects by itself; the server sends the full current snapshot first on each connection.  Text is set with
 * textContent, never as HTML. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var RISK_COLORS = {sealed: "#d7301f", controlled: "#f28e2b", precaution: "#f2c80f"};
  var texts = {};

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? String(values[key]) : all; });
  }
  function lookup(doc, path) {
    return path.split(".").reduce(function (v, k) { return v == null ? v : v[k]; }, doc);
  }
  function duration(seconds) {
    if (seconds == null) { return "—"; }
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
    return (h ? h + " " + texts.hours + " " : "") + m + " " + texts.minutes;
  }
  function km(metres) { return (metres / 1000).toFixed(1) + " km"; }
  function shown(path, value) {
    if (value == null) { return "—"; }
    if (/_wait_s$/.test(path)) { return duration(value); }
    if (/crossing_share$/.test(path)) { return Math.round(value * 100) + "%"; }
    return String(value);
  }
  function localTime(iso, tz) {
    return new Date(iso).toLocaleString(document.documentElement.lang, {timeZone: tz, hour12: false});
  }
  function row(tbody, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = String(c); tr.appendChild(td); });
    tbody.appendChild(tr);
  }
  function counts(c) { return c.pass + " / " + c.stop; }

  function alertText(a, tz) {
    if (a.kind === "closure_waiting") {
      return fill(texts.closure_waiting, {closure: a.closure, level: texts["level_" + a.level] || a.level, wait: duration(a.wait_s)});
    }
    if (a.kind === "stop_rate") {
      return fill(texts.stop_rate, {checkpoint: a.checkpoint, stops: a.stops, scans: a.scans,
        rate: Math.round(a.baseline_rate * 1000) / 10 + "%", z: a.z});
    }
    if (a.kind === "impossible_travel") {
      return fill(texts.impossible_travel, {pass_no: a.pass_no, elapsed: duration(a.elapsed_s),
        distance: km(a.distance_m), fastest: duration(a.fastest_s)});
    }
    return fill(texts.fused_pass_used, {pass_no: a.pass_no, enterprise: a.enterprise, at: localTime(a.checked_at, tz)});
  }

  function Dashboard(root) {
    this.root = root;
    var box = $("db-map");
    this.map = window.Baotong.pageMap(box);
    this.box = box;
    var groups = this.groups = {};
    var control = L.control.layers(null, null, {collapsed: false}).addTo(this.map);
    [["zones", "layer_zones"], ["closures", "layer_closures"], ["green-channels", "layer_green"],
     ["stations", "layer_stations"], ["docking-points", "layer_docking"], ["drop-points", "layer_drops"],
     ["checkpoints", "layer_checkpoints"]].forEach(function (pair) {
      groups[pair[0]] = L.layerGroup().addTo(this.map);
      control.addOverlay(groups[pair[0]], texts[pair[1]]);
    }, this);
    this.chart = new window.Chart($("db-series"), {
      type: "bar",
      data: {labels: [], datasets: [
        {label: texts.pass, data: [], backgroundColor: "#1a9641", stack: "s"},
        {label: texts.stop, data: [], backgroundColor: "#d7191c", stack: "s"}
      ]},
      options: {animation: false, responsive: true, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}
    });
  }

  Dashboard.prototype.drawLayers = function (layers, tz) {
    var g = this.groups, drawn = {};
    Object.keys(g).forEach(function (k) { g[k].clearLayers(); drawn[k] = 0; });
    function add(key, feature, layer, tip) {
      if (tip) { layer.bindTooltip(tip, {sticky: true}); }
      g[key].addLayer(layer);
      drawn[key] += 1;
      var el = layer.getElement && layer.getElement();
      if (el) { el.setAttribute("data-layer", key); el.setAttribute("data-id", String(feature.id || "")); }
    }
    layers.zones.features.forEach(function (f) {
      var p = f.properties, color = RISK_COLORS[p.risk] || "#555";
      var dashed = p.starting_soon || p.ending_soon;
      var layer = L.geoJSON(f, {style: {color: color, weight: dashed ? 3 : 2, dashArray: dashed ? "6 4" : null,
        fillColor: color, fillOpacity: p.active ? 0.3 : 0.1}}).getLayers()[0];
      var notes = [texts[p.risk] || p.risk];
      if (p.starting_soon) { notes.push(texts.starting_soon); }
      if (p.ending_soon) { notes.push(texts.ending_soon); }
      add("zones", f, layer, (p.name || p.id) + " · " + notes.join(" · "));
    });
    var approvedClosures = 0;
    layers.closures.features.forEach(function (f) {
      var p = f.properties, approved = p.status === "approved";
      approvedClosures += approved ? 1 : 0;
      var layer = L.geoJSON(f, {style: {color: approved ? "#d62728" : "#ff7f0e", weight: 6, dashArray: approved ? null : "8 6"}});
      add("closures", f, layer, p.id + " · " + (approved ? texts.approved : texts.pending) + " · " + p.reason);
    });
    layers["green-channels"].features.forEach(function (f) {
      add("green-channels", f, L.geoJSON(f, {style: {color: "#00a651", weight: 5}}), f.properties.name);
    });
    function points(key, color, radius, tipOf) {
      layers[key].features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var marker = L.circleMarker([c[1], c[0]], {radius: radius, color: color, fillColor: color, fillOpacity: 0.85, weight: 2});
        add(key, f, marker, tipOf(f.properties));
      });
    }
    points("stations", "#4363d8", 7, function (p) { return p.name || p.id; });
    points("docking-points", "#ff7f0e", 6, function (p) { return p.road || p.zone_id || ""; });
    points("drop-points", "#2ca02c", 5, function (p) { return p.served_from || p.site_id || ""; });
    layers.checkpoints.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var total = p.last_24h.pass + p.last_24h.stop;
      var color = p.last_hour.stop > p.last_hour.pass ? "#d7191c" : "#1a9641";
      var marker = L.circleMarker([c[1], c[0]], {radius: Math.min(18, 6 + Math.sqrt(total)), color: color,
        fillColor: color, fillOpacity: 0.6, weight: 2});
      add("checkpoints", f, marker, p.id + " · " + texts.pass + "/" + texts.stop + " " + counts(p.last_24h));
    });
    var box = this.box;
    Object.keys(drawn).forEach(function (k) { box.setAttribute("data-" + k, String(drawn[k])); });
    box.setAttribute("data-closures-approved", String(approvedClosures));
  };

  Dashboard.prototype.show = function (doc) {
    var f = doc.figures, tz = doc.timezone;
    this.root.querySelectorAll("[data-fig]").forEach(function (el) {
      var path = el.getAttribute("data-fig");
      el.textContent = path === "alerts.length" ? String(doc.alerts.length) : shown(path, lookup(f, path));
    });
    var counties = $("db-counties");
    counties.textContent = "";
    Object.keys(f.zones.by_county).forEach(function (code) {
      var c = f.zones.by_county[code];
      row(counties, [code === "none" ? "—" : code, c.sealed, c.controlled, c.precaution]);
    });
    var reasons = $("db-reasons"), lang = document.documentElement.lang.slice(0, 2);
    reasons.textContent = "";
    if (!f.scans.stop_reasons_24h.length) {
      var none = document.createElement("li"); none.className = "bt-muted"; none.textContent = texts.none; reasons.appendChild(none);
    }
    f.scans.stop_reasons_24h.forEach(function (r) {
      var li = document.createElement("li");
      li.setAttribute("data-reason", r.code);
      li.textContent = (lang === "zh" ? r.zh : r.en) + "：" + r.count;
      reasons.appendChild(li);
    });
    var points = $("db-checkpoints");
    points.textContent = "";
    f.checkpoints.forEach(function (c) { row(points, [c.id, counts(c.last_hour), counts(c.last_24h)]); });
    var list = $("db-alerts");
    list.textContent = "";
    if (!doc.alerts.length) {
      var quiet = document.createElement("li"); quiet.className = "bt-muted"; quiet.textContent = texts.no_alerts; list.appendChild(quiet);
    }
    doc.alerts.forEach(function (a) {
      var li = document.createElement("li");
      li.setAttribute("data-kind", a.kind);
      li.textContent = alertText(a, tz);
      list.appendChild(li);
    });
    this.chart.data.labels = doc.series.hours.map(function (h) {
      return new Date(h).toLocaleTimeString(document.documentElement.lang, {timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false});
    });
    this.chart.data.datasets[0].data = doc.series.pass;
    this.chart.data.datasets[1].data = doc.series.stop;
    this.chart.update();
    this.drawLayers(doc.layers, tz);
    this.root.setAttribute("data-version", doc.version);
    this.root.setAttribute("data-at", doc.at);
    var status = $("db-status");
    status.setAttribute("data-state", "live");
    status.textContent = texts.live + " · " + texts.updated + " " + localTime(doc.at, tz);
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = $("db");
    texts = JSON.parse(root.dataset.texts);
    var board = new Dashboard(root);
    window.baotongDashboard = board;
    var source = new EventSource("/dashboard/events");
    source.addEventListener("snapshot", function (event) { board.show(JSON.parse(event.data)); });
    source.addEventListener("error", function () {
      var status = $("db-status");
      status.setAttribute("data-state", "reconnecting");
      status.textContent = texts.reconnecting;
    });
  });
})();
