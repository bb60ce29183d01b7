/* The city map's layers by viewport: each layer group the page hands over (BaotongLayers.attach) is filled
   from GET {url}/{key}?bbox=left,bottom,right,top&zoom=Z&lang=, on load and after each move (debounced; a
   request still in flight for the layer is aborted).  Popups are built with textContent, never as HTML.
   A layer that hides is not fetched; it is fetched again when it shows. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;

  function popupOf(popup) {
    var div = L.DomUtil.create("div", "baotong-popup");
    if (popup.title) {
      L.DomUtil.create("b", "", div).textContent = String(popup.title);
    }
    var table = L.DomUtil.create("table", "", div);
    popup.rows.forEach(function (row) {
      var tr = L.DomUtil.create("tr", "", table);
      L.DomUtil.create("th", "", tr).textContent = String(row[0]);
      var v = row[1];
      L.DomUtil.create("td", "", tr).textContent = typeof v === "object" ? JSON.stringify(v) : String(v);
    });
    return div;
  }

  // The view's bounds grown to the grid of the zoom's tiles (360 / 2^zoom degrees), so readers of nearby
  // views ask for the same answer and the server's and the browser's caches serve them.
  function gridBbox(bounds, zoom) {
    var step = 360 / Math.pow(2, zoom);
    function down(v) { return Math.floor(v / step) * step; }
    function up(v) { return Math.ceil(v / step) * step; }
    var box = [
      Math.max(-180, down(bounds.getWest())),
      Math.max(-90, down(bounds.getSouth())),
      Math.min(180, up(bounds.getEast())),
      Math.min(90, up(bounds.getNorth()))
    ];
    return box.map(function (v) { return Number(v.toFixed(7)); }).join(",");
  }

  function notices(map) {
    var control = L.control({ position: "topright" });
    var shown = {};
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "baotong-layer-notice leaflet-bar");
      div.style.cssText = "background:#fff8e1;padding:4px 8px;font:12px/1.4 sans-serif;display:none;max-width:260px";
      return div;
    };
    control.addTo(map);
    return function (key, text) {
      if (text) { shown[key] = text; } else { delete shown[key]; }
      var texts = Object.keys(shown).map(function (k) { return shown[k]; });
      var div = control.getContainer();
      div.textContent = texts.length ? texts[0] : "";
      div.style.display = texts.length ? "block" : "none";
    };
  }

  function attach(map, options, groups) {
    var inFlight = {};
    var timer = null;
    var notify = notices(map);
    map.baotongLayerAnswers = 0;

    function load(key) {
      var group = groups[key];
      var config = options.layers[key] || {};
      if (!map.hasLayer(group)) { return; }
      if (inFlight[key]) { inFlight[key].abort(); }
      var controller = new AbortController();
      inFlight[key] = controller;
      var zoom = Math.max(0, Math.min(22, Math.round(map.getZoom())));
      var url = options.url + "/" + encodeURIComponent(key) + "?bbox=" + gridBbox(map.getBounds(), zoom) +
        "&zoom=" + zoom + "&lang=" + encodeURIComponent(options.lang);
      fetch(url, { credentials: "same-origin", signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) { throw new Error(key + " answered " + r.status); }
          return r.json();
        })
        .then(function (data) {
          if (inFlight[key] !== controller) { return; }
          delete inFlight[key];
          group.clearLayers();
          var base = config.style || {};
          var layer = L.geoJSON(data, {
            style: function (f) { return L.extend({}, base, (f.properties && f.properties.style) || {}); },
            pointToLayer: function (f, latlng) {
              var p = f.properties || {};
              if (p.icon) {
                var icon = L.AwesomeMarkers.icon(L.extend({ className: "awesome-marker leaflet-marker-icon" }, p.icon));
                var marker = L.marker(latlng, { icon: icon });
                if (p.tooltip) { marker.bindTooltip(String(p.tooltip)); }
                return marker;
              }
              return L.circleMarker(latlng, { radius: config.radius || 6 });
            },
            onEachFeature: function (f, l) {
              var p = f.properties || {};
              if (p.popup) { l.bindPopup(function () { return popupOf(p.popup); }, { maxWidth: 320 }); }
              if (config.highlight && l.setStyle) {
                l.on("mouseover", function () { l.setStyle(config.highlight); });
                l.on("mouseout", function () { layer.resetStyle(l); });
              }
            }
          });
          layer.eachLayer(function (l) { group.addLayer(l); });
          notify(key, data.truncated ? data.notice : null);
          map.baotongLayerAnswers += 1;
          map.fire("baotong:layerloaded", { key: key, count: data.features.length });
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") { return; }
          if (inFlight[key] === controller) { delete inFlight[key]; }
          if (window.console) { console.warn("map layer", key, err && err.message); }
        });
    }

    function loadAll() {
      timer = null;
      Object.keys(groups).forEach(load);
    }

    // no zoom under way, no move waiting for its requests and no answer outstanding (tests wait for it)
    map.baotongLayersIdle = function () {
      return !map._animatingZoom && timer === null && Object.keys(inFlight).length === 0;
    };

    map.on("moveend", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(loadAll, DEBOUNCE_MS);
    });
    map.on("overlayadd", function (e) {
      Object.keys(groups).forEach(function (key) { if (groups[key] === e.layer) { load(key); } });
    });
    map.whenReady(function () {  // after the page's own fitBounds, whose moveend then takes over
      if (timer === null) { timer = setTimeout(loadAll, 0); }
    });
  }

  window.BaotongLayers = { attach: attach };
})();
