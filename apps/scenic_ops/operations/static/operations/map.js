// The live park map: Leaflet (served locally) over the park's own map picture; no tile servers.
(function () {
  var el = document.getElementById("ops-map");
  if (!el || !window.L) return;
  var park = JSON.parse(el.dataset.map);
  var strings = JSON.parse(el.dataset.strings);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  L.imageOverlay(park.url, park.bounds).addTo(map);
  map.fitBounds(park.bounds);
  map.setMaxBounds(L.latLngBounds(park.bounds).pad(0.5));
  var people = L.layerGroup().addTo(map);
  var things = L.layerGroup().addTo(map);
  var trackLayer = L.layerGroup().addTo(map);
  var colours = { phone: "#2563eb", badge: "#2563eb", vehicle: "#d97706", boat: "#0891b2" };

  function esc(text) {
    var d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }

  function draw(data) {
    people.clearLayers();
    things.clearLayers();
    data.assets.forEach(function (a) {
      if (!a.alarms && a.status === "in_service") return;
      L.circleMarker([a.latitude, a.longitude], {
        radius: 8, color: a.alarms ? "#dc2626" : "#6b7280", fillOpacity: 0.7, className: "ops-asset-marker",
      }).bindPopup('<a href="' + a.link + '">' + esc(a.name) + "</a><br>" + a.alarms + " " + esc(strings.alarms)).addTo(things);
    });
    data.positions.forEach(function (p) {
      var marker = L.circleMarker([p.latitude, p.longitude], {
        radius: 7, color: colours[p.kind] || "#111827", fillOpacity: p.on_duty ? 0.9 : 0.3, className: "ops-tracker-marker",
      });
      var label = esc(p.name) + "<br>" + esc(strings.minutes_ago.replace("{n}", p.age_minutes));
      if (!p.on_duty) label += " · " + esc(strings.off_duty);
      marker.bindTooltip(label).addTo(people);
    });
    el.dataset.positions = String(data.positions.length);
  }

  function refresh() {
    fetch(el.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(draw)
      .catch(function () {});
  }

  function showTrack() {
    var code = document.getElementById("track-tracker").value;
    var day = document.getElementById("track-day").value;
    trackLayer.clearLayers();
    if (!code) return;
    fetch(el.dataset.trackApi + encodeURIComponent(code) + "/track?day=" + encodeURIComponent(day), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.points || !data.points.length) return;
        var line = L.polyline(data.points.map(function (p) { return [p[0], p[1]]; }), { color: "#7c3aed", weight: 4 });
        line.bindTooltip(strings.track).addTo(trackLayer);
        el.dataset.trackPoints = String(data.points.length);
      });
  }

  document.getElementById("track-tracker").addEventListener("change", showTrack);
  document.getElementById("track-day").addEventListener("change", showTrack);
  refresh();
  setInterval(refresh, 15000);
})();
