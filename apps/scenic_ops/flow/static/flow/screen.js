// The big screen (1920×1080): frappe-charts for the gauge, hourly entries vs forecast,
// car parks and the 14-day outlook; lists for key spots, waiting times and alerts.
(function () {
  var L = window.FlowLive;
  var charts = {};
  var COLORS = { normal: "#22c55e", yellow: "#facc15", orange: "#fb923c", red: "#ef4444" };

  function draw(id, options) {
    var el = document.getElementById(id);
    try {
      if (charts[id]) charts[id].update(options.data);
      else charts[id] = new frappe.Chart(el, options);
      el.dataset.drawn = "1";
    } catch (err) {
      el.dataset.drawn = "error";
      el.title = String(err);
    }
  }

  function hours(s) {
    var open = parseInt(s.site.opening_time, 10), close = parseInt(s.site.closing_time, 10) + 1;
    var out = [];
    for (var h = Math.max(0, open - 1); h <= Math.min(23, close); h++) out.push(h);
    return out;
  }

  function render(s, t, lang) {
    document.getElementById("in-park").textContent = L.number(s.in_park);
    document.getElementById("capacity").textContent = L.number(s.capacity.instant);
    document.getElementById("entries-today").textContent = L.number(s.entries_today);
    document.getElementById("forecast-today").textContent = L.number(s.forecast.today);
    document.getElementById("load").textContent = Math.round(s.in_park_percent) + "%";
    var level = document.getElementById("level");
    level.textContent = L.text(s.level, lang);
    level.className = "badge level-" + s.level.code;
    var banner = document.getElementById("banner");
    banner.hidden = !s.banner;
    banner.textContent = s.banner ? L.text(s.banner, lang) : "";
    document.getElementById("updated").textContent = L.time(s.generated_at);

    var free = Math.max(0, s.capacity.instant - s.in_park);
    draw("gauge", {
      type: "donut",
      height: 330,
      data: { labels: [t.in_park, t.room], datasets: [{ values: [s.in_park, free] }] },
      colors: [COLORS[s.level.code] || COLORS.normal, "#334155"],
    });

    var hs = hours(s);
    draw("hourly", {
      type: "axis-mixed",
      height: 300,
      data: {
        labels: hs.map(function (h) { return h + ":00"; }),
        datasets: [
          { name: t.entries, chartType: "bar", values: hs.map(function (h) { return s.hourly.entries[h] || 0; }) },
          { name: t.forecast, chartType: "line", values: hs.map(function (h) { return (s.hourly.forecast || [])[h] || 0; }) },
        ],
      },
      colors: ["#38bdf8", "#f472b6"],
    });

    if (s.parking.length) {
      draw("parking", {
        type: "bar",
        height: 220,
        barOptions: { stacked: 1 },
        data: {
          labels: s.parking.map(function (p) { return L.name(p, lang); }),
          datasets: [
            { name: t.occupied, values: s.parking.map(function (p) { return p.occupied; }) },
            { name: t.free_spaces, values: s.parking.map(function (p) { return p.free; }) },
          ],
        },
        colors: ["#fb923c", "#22c55e"],
      });
    }
    if (s.forecast.days.length) {
      draw("outlook", {
        type: "bar",
        height: 220,
        data: {
          labels: s.forecast.days.map(function (d) { return String(Number(d.day.slice(8))); }),
          datasets: [{ name: t.forecast, values: s.forecast.days.map(function (d) { return d.predicted; }) }],
          yMarkers: [{ label: t.capacity, value: s.capacity.open_daily }],
        },
        colors: ["#a78bfa"],
      });
    }

    var zones = document.getElementById("zones");
    zones.textContent = "";
    s.zones.forEach(function (z) {
      var li = L.el("li", "heat level-" + z.level);
      li.appendChild(L.el("span", "heat-name", L.name(z, lang)));
      var meter = L.el("span", "heat-meter");
      var bar = L.el("span", "heat-bar");
      bar.style.width = Math.min(100, z.percent) + "%";
      meter.appendChild(bar);
      li.appendChild(meter);
      li.appendChild(L.el("span", "heat-value", L.number(z.count) + " / " + L.number(z.capacity)));
      li.appendChild(L.el("span", "heat-percent", Math.round(z.percent) + "%"));
      zones.appendChild(li);
    });
    var waits = document.getElementById("waits");
    waits.textContent = "";
    s.waits.forEach(function (w) {
      var li = L.el("li", "wait");
      li.appendChild(L.el("span", "wait-name", L.name(w, lang)));
      li.appendChild(L.el("span", "wait-value", w.minutes === null ? "—" : t.minutes.replace("{n}", w.minutes)));
      waits.appendChild(li);
    });
    var alerts = document.getElementById("alerts");
    alerts.textContent = "";
    if (!s.alerts.length) alerts.appendChild(L.el("li", "alert level-normal", t.no_alerts));
    s.alerts.forEach(function (a) { alerts.appendChild(L.el("li", "alert level-" + a.level, L.text(a, lang))); });
    document.getElementById("traffic").textContent = L.text(s.traffic, lang) || t.notraffic;
  }

  function clock() {
    var d = new Date();
    document.getElementById("clock").textContent = d.toLocaleString();
  }

  document.addEventListener("DOMContentLoaded", function () {
    clock();
    setInterval(clock, 1000);
    L.start(render);
  });
})();
