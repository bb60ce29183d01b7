/* The planner's import page: check a zone or site file (POST /zones|sites/import, nothing stored), read the
 * report row by row with the accepted features on the map, store the rows kept ticked (POST …/import/confirm). */
(function () {
  "use strict";
  var STATUS_COLOURS = {accepted: "#1a7f37", repaired: "#e08214"};
  // a row's name: a zone's or site's name, a vehicle's plate, a crew member's name
  function nameOf(feature) {
    if (!feature) { return ""; }
    if (feature.properties) { return feature.properties.name || ""; }
    return feature.plate || feature.name || "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var words = JSON.parse(document.getElementById("im-words").dataset.words);
    var map = window.Baotong.pageMap(document.getElementById("im-map"));
    var fill = function (text, values) {
      return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? "" : String(values[k]); });
    };

    document.querySelectorAll("form.im-form").forEach(function (form) {
      var what = form.dataset.what;
      var report = form.querySelector(".im-report");
      var error = form.querySelector(".im-error");
      var confirm = form.querySelector(".im-confirm");
      var stored = form.querySelector(".im-stored");
      var layer = L.featureGroup().addTo(map);
      var rows = [];
      // where this form's file goes: /zones/import, /sites/import, or an enterprise's /sites/{id}/vehicles|crew/import
      function endpoint() {
        if (what !== "fleet") { return "/" + what + "/import"; }
        var site = form.querySelector("select[name=site]").value;
        return "/sites/" + encodeURIComponent(site) + "/" + form.querySelector("select[name=fleet_kind]").value + "/import";
      }
      var kindSelect = form.querySelector("select[name=fleet_kind]");
      if (kindSelect) {
        kindSelect.addEventListener("change", function () {
          form.querySelectorAll("a[data-template]").forEach(function (a) {
            a.href = "/sites/" + kindSelect.value + "/import/template." + a.dataset.template;
          });
          report.hidden = true;
        });
      }

      function kept() {
        return rows.filter(function (r) { return r.box && r.box.checked; });
      }
      function showKept() {
        var n = kept().length;
        confirm.disabled = n === 0;
        confirm.textContent = n ? fill(words.confirm, {n: n}) : words.none_kept;
      }

      function show(answer) {
        rows = [];
        layer.clearLayers();
        var body = report.querySelector("tbody");
        body.textContent = "";
        report.querySelector(".im-counts").textContent = fill(words.counts, {
          file: answer.filename || "", accepted: answer.counts.accepted || 0,
          repaired: answer.counts.repaired || 0, rejected: answer.counts.rejected || 0
        });
        answer.rows.forEach(function (row) {
          var tr = document.createElement("tr");
          tr.className = "im-" + row.status;
          tr.dataset.status = row.status;
          tr.dataset.index = String(row.index);
          var keep = document.createElement("td");
          var entry = {row: row, box: null};
          if (row.feature) {
            var box = document.createElement("input");
            box.type = "checkbox";
            box.checked = true;
            box.setAttribute("aria-label", row.label);
            box.addEventListener("change", showKept);
            keep.appendChild(box);
            entry.box = box;
          }
          if (row.feature && row.feature.geometry) {
            var colour = STATUS_COLOURS[row.status] || "#1d4e89";
            var drawn = L.geoJSON(row.feature, {
              style: function () { return {color: colour, weight: 2, fillOpacity: 0.25}; },
              pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, {radius: 6, color: colour, fillColor: colour, fillOpacity: 0.8});
              }
            });
            drawn.bindTooltip(row.label);
            layer.addLayer(drawn);
          }
          var cells = [
            row.label,
            words[row.status] || row.status,
            nameOf(row.feature),
            row.status === "rejected" ? (row.reason || "") : (row.notes || []).join("; ")
          ];
          tr.appendChild(keep);
          cells.forEach(function (text) {
            var td = document.createElement("td");
            td.textContent = text;
            tr.appendChild(td);
          });
          body.appendChild(tr);
          rows.push(entry);
        });
        report.hidden = false;
        stored.textContent = "";
        if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [20, 20]}); }
        showKept();
      }

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        error.textContent = "";
        var input = form.querySelector("input[type=file]");
        if (!input.files.length) { error.textContent = words.no_file; return; }
        var data = new FormData();
        data.append("file", input.files[0]);
        form.querySelectorAll("select").forEach(function (s) {
          if (s.value && ["site", "fleet_kind"].indexOf(s.name) < 0) { data.append(s.name, s.value); }
        });
        report.hidden = true;
        error.textContent = words.checking;
        window.Baotong.fetch(endpoint(), {method: "POST", headers: {"Accept": "application/json"}, body: data})
          .then(function (response) {
            return response.json().catch(function () { return null; }).then(function (answer) {
              if (!response.ok) { error.textContent = window.Baotong.detailOf(answer, response.status); return; }
              error.textContent = "";
              show(answer);
            });
          }).catch(function (err) { error.textContent = String(err); });
      });

      confirm.addEventListener("click", function () {
        var features = kept().map(function (r) { return r.row.feature; });
        var payload = what === "fleet" ? {rows: features} : {features: features};
        if (what === "sites") { payload.kind = form.querySelector("select[name=kind]").value; }
        confirm.disabled = true;
        window.Baotong.fetch(endpoint() + "/confirm", {
          method: "POST",
          headers: {"Content-Type": "application/json", "Accept": "application/json"},
          body: JSON.stringify(payload)
        }).then(function (response) {
          return response.json().catch(function () { return null; }).then(function (answer) {
            if (response.status !== 201) {
              stored.className = "im-stored bt-error";
              stored.textContent = window.Baotong.detailOf(answer, response.status);
              showKept();
              return;
            }
            stored.className = "im-stored ap-ok";
            stored.dataset.count = String(answer.count);
            stored.textContent = fill(words.stored, {n: answer.count});
            rows.forEach(function (r) { if (r.box) { r.box.disabled = true; } });
          });
        }).catch(function (err) { stored.textContent = String(err); showKept(); });
      });
    });
  });
})();
