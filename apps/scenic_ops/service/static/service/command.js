// Incident command map: Leaflet (served locally) on a plain background, zones and incidents as markers.
(function () {
  var el = document.getElementById("svc-map");
  if (!el || !window.L) return;
  var data = JSON.parse(el.dataset.map);
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var points = [];
  function esc(t) { var d = document.createElement("div"); d.textContent = t == null ? "" : String(t); return d.innerHTML; }
  data.zones.forEach(function (z) {
    points.push([z.lat, z.lng]);
    L.circleMarker([z.lat, z.lng], { radius: 5, color: "#64748b", fillOpacity: 0.5, className: "svc-zone" })
      .bindTooltip(esc(z.name), { permanent: false }).addTo(map);
  });
  var colours = { 1: "#b91c1c", 2: "#dc2626", 3: "#f59e0b", 4: "#0284c7" };
  data.incidents.forEach(function (i) {
    points.push([i.lat, i.lng]);
    var label = esc(i.code) + " " + esc(i.title) + "<br>" + esc(i.type) + (i.drill ? " · " + esc(data.strings.drill) : "");
    if (i.link) label = '<a href="' + i.link + '">' + label + "</a>";
    L.circleMarker([i.lat, i.lng], { radius: 11, weight: 3, color: colours[i.level] || "#dc2626", fillOpacity: 0.6, className: "svc-incident" })
      .bindPopup(label).addTo(map);
  });
  if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 16 });
  else map.setView([31.23, 120.42], 13);
  el.dataset.incidents = String(data.incidents.length);
  el.dataset.zones = String(data.zones.length);
})();
