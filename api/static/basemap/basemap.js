/* Baotong's offline basemap: the vector tiles built from the loaded extract (GET /tiles/{z}/{x}/{y}.mvt),
 * drawn under every map with protomaps-leaflet (vendored).  Roads by class with their names (name:zh where the
 * extract has it), water, land use, railways and buildings.  Labels use the Noto Sans SC font the app serves.
 *
 *   BaotongBasemap.add(map, {url: "/tiles/{z}/{x}/{y}.mvt", lang: "zh"})  ->  the Leaflet layer
 */
(function () {
  "use strict";

  // linear interpolation of a width between zoom stops [[z, w], ...]
  function lin(stops) {
    return function (z) {
      if (z <= stops[0][0]) return stops[0][1];
      for (var i = 1; i < stops.length; i++) {
        if (z <= stops[i][0]) {
          var a = stops[i - 1], b = stops[i], t = (z - a[0]) / (b[0] - a[0]);
          return a[1] + t * (b[1] - a[1]);
        }
      }
      return stops[stops.length - 1][1];
    };
  }

  var LAND = {
    residential: "#ebe6df", commercial: "#f2e0dc", industrial: "#e9dde6", farmland: "#eef0d6",
    forest: "#cde3c2", grass: "#dbeecf", park: "#c9e7b7", other: "#ece6df"
  };
  // road classes: fill colour, casing colour, width stops (px) by zoom
  var ROADS = [
    ["path", "#ffffff", "#d6cfc7", [[14, 0.8], [18, 2.5]], 14],
    ["service", "#ffffff", "#cfc6bc", [[13, 1], [16, 2.5], [18, 6]], 13],
    ["minor", "#ffffff", "#c8bfb4", [[12, 1], [14, 2], [16, 5], [18, 10]], 12],
    ["tertiary", "#ffffff", "#bfb3a5", [[11, 1], [14, 3], [16, 6.5], [18, 12]], 11],
    ["secondary", "#fff6c8", "#d8c48a", [[10, 1.2], [14, 3.5], [16, 7.5], [18, 14]], 10],
    ["primary", "#fde3a0", "#d9a95a", [[9, 1.4], [14, 4.5], [16, 8.5], [18, 15]], 9],
    ["trunk", "#fbcb7c", "#d18b3a", [[8, 1.5], [14, 5], [16, 9], [18, 16]], 8],
    ["motorway", "#f6a44b", "#c16a1c", [[8, 1.8], [14, 5.5], [16, 10], [18, 17]], 8]
  ];
  var FONT = '"Noto Sans SC", "WenQuanYi Zen Hei", sans-serif';

  function kind(name) {
    return function (z, f) { return f.props.kind === name; };
  }

  function paintRules(P) {
    var rules = [];
    Object.keys(LAND).forEach(function (k) {
      rules.push({dataLayer: "landuse", filter: kind(k), symbolizer: new P.PolygonSymbolizer({fill: LAND[k]})});
    });
    rules.push({dataLayer: "water", filter: function (z, f) { return f.geomType === 3; },
                symbolizer: new P.PolygonSymbolizer({fill: "#a9d3e4"})});
    rules.push({dataLayer: "water", filter: function (z, f) { return f.geomType === 2; },
                symbolizer: new P.LineSymbolizer({color: "#a9d3e4",
                  width: function (z, f) { return f && f.props.kind === "river" ? lin([[8, 1], [14, 4], [18, 10]])(z)
                                                                                    : lin([[10, 0.5], [14, 1.5], [18, 4]])(z); }})});
    rules.push({dataLayer: "buildings", minzoom: 14,
                symbolizer: new P.PolygonSymbolizer({fill: "#ddd4cb", stroke: "#c9bdb1", width: 0.5})});
    rules.push({dataLayer: "railways", symbolizer: new P.LineSymbolizer({color: "#a0a0a0", width: lin([[10, 1], [16, 3]])})});
    rules.push({dataLayer: "railways", symbolizer: new P.LineSymbolizer({color: "#ffffff", width: lin([[10, 0.4], [16, 1.5]]),
                                                                           dash: [4, 4]})});
    // casings under every fill, then fills, lowest class first
    ROADS.forEach(function (r) {
      var w = lin(r[3]);
      rules.push({dataLayer: "roads", minzoom: r[4], filter: kind(r[0]),
                  symbolizer: new P.LineSymbolizer({color: r[2], width: function (z) { return w(z) + 1.5; },
                                                    lineCap: "round", lineJoin: "round"})});
    });
    ROADS.forEach(function (r) {
      var w = lin(r[3]);
      rules.push({dataLayer: "roads", minzoom: r[4], filter: kind(r[0]),
                  symbolizer: new P.LineSymbolizer({color: r[1], width: w, lineCap: "round", lineJoin: "round",
                                                    dash: r[0] === "path" ? [3, 2] : undefined})});
    });
    return rules;
  }

  function labelRules(P, lang) {
    var props = lang === "en" ? ["name_en", "name", "ref"] : ["name", "ref"];
    function roadLabel(minzoom, classes, size) {
      return {dataLayer: "roads", minzoom: minzoom,
              filter: function (z, f) { return classes.indexOf(f.props.kind) >= 0; },
              symbolizer: new P.LineLabelSymbolizer({labelProps: props, fontFamily: FONT, fontSize: size,
                                                     fill: "#3b3b3b", stroke: "#ffffff", width: 3})};
    }
    return [
      roadLabel(10, ["motorway", "trunk"], 13),
      roadLabel(12, ["primary", "secondary"], 12),
      roadLabel(14, ["tertiary", "minor"], 11),
      roadLabel(16, ["service"], 10)
    ];
  }

  function add(map, options) {
    var P = window.protomapsL;
    if (!P) throw new Error("protomaps-leaflet is not loaded");
    var opts = options || {};
    var lang = opts.lang || document.documentElement.lang || "zh";
    var make = function () {
      var layer = P.leafletLayer({
        url: opts.url || "/tiles/{z}/{x}/{y}.mvt",
        maxDataZoom: opts.maxDataZoom || 14,
        paintRules: paintRules(P),
        labelRules: labelRules(P, lang.slice(0, 2)),
        backgroundColor: "#f4f1ec",
        attribution: opts.attribution || "© OpenStreetMap contributors",
        pane: "tilePane"
      });
      layer.addTo(map);
      layer.bringToBack && layer.bringToBack();
      return layer;
    };
    // draw labels with the served CJK font: wait for it (briefly), then create the layer
    if (document.fonts && document.fonts.load) {
      var holder = {layer: null};
      var done = false;
      var go = function () { if (!done) { done = true; holder.layer = make(); map.fire("baotong:basemap", holder); } };
      document.fonts.load('12px "Noto Sans SC"', "保通道路").then(go, go);
      setTimeout(go, 1500);
      return holder;
    }
    return {layer: make()};
  }

  window.BaotongBasemap = {add: add};
})();
