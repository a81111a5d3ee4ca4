// The big screen: a 1920×1080 design scaled to the display (screen.css explains the sizes),
// frappe-charts for the gauge, hourly entries vs forecast, car parks and the 14-day outlook;
// lists for key spots, waiting times and alerts, cut to what fits with "+N more".
(function () {
  var L = window.FlowLive;
  var DESIGN = { width: 1920, height: 1080 };
  var COLORS = { normal: "#22c55e", yellow: "#facc15", orange: "#fb923c", red: "#ef4444" };
  var root = document.documentElement;
  var AXIS_FONT = parseFloat(getComputedStyle(root).getPropertyValue("--axis-font")) || 30;
  var charts = {};

  // --- scale the stage to the display -------------------------------------------------------
  function fitStage() {
    var scale = Math.min(window.innerWidth / DESIGN.width, window.innerHeight / DESIGN.height);
    root.style.setProperty("--screen-scale", String(scale));
    document.body.dataset.scale = scale.toFixed(4);
  }
  fitStage();
  window.addEventListener("resize", fitStage);

  // --- charts at the screen's type size -------------------------------------------------------
  var measure = document.createElement("canvas").getContext("2d");
  function textWidth(text) {
    measure.font = AXIS_FONT + "px " + getComputedStyle(document.body).fontFamily;
    return measure.measureText(String(text)).width;
  }

  // frappe-charts lays its axes out for 10 px labels; the screen's labels are three times that.
  // Room is made around the plot, and labels that would touch their neighbours are left out.
  class ScreenChart extends frappe.AxisChart {
    setMeasures(options) {
      super.setMeasures(options);
      var m = this.measures;
      m.titleHeight = 0;
      m.legendHeight = 0;
      m.margins = { top: 0, bottom: 0, left: 0, right: 0 };
      m.paddings = {
        top: Math.round(AXIS_FONT * 1.2), // half a y label, or a marker's label above the top line
        bottom: Math.round(AXIS_FONT * 1.5) + 20, // tick and gap (20 px), then the x labels
        left: Math.ceil(options.yLabelWidth + AXIS_FONT * 0.6),
        right: Math.round(AXIS_FONT * 0.4),
      };
    }

    setupComponents() {
      super.setupComponents();
      var chart = this;
      var x = this.components.get("xAxis");
      var y = this.components.get("yAxis");
      var xData = x.getData;
      var yData = y.getData;
      x.getData = function () {
        var d = xData();
        return { positions: d.positions, labels: d.labels, calcLabels: chart.thinX(d.labels, d.positions) };
      };
      y.getData = function () {
        var d = yData();
        return Object.assign({}, d, { labels: chart.thinY(d.labels, d.positions) });
      };
    }

    thinX(labels, positions) {
      var unit = this.state.unitWidth || this.width;
      var widest = Math.max.apply(null, labels.map(textWidth).concat([0])) + AXIS_FONT * 0.5;
      var step = Math.max(1, Math.ceil(widest / unit));
      var left = -this.measures.paddings.left;
      var right = this.width + this.measures.paddings.right;
      return labels.map(function (label, i) {
        var half = textWidth(label) / 2;
        if (i % step || positions[i] - half < left || positions[i] + half > right) return "";
        return label;
      });
    }

    thinY(labels, positions) {
      var gap = positions.length > 1 ? Math.abs(positions[0] - positions[1]) : Infinity;
      var step = Math.max(1, Math.ceil((AXIS_FONT * 1.2) / gap));
      return labels.map(function (label, i) { return i % step ? "" : label; });
    }
  }

  // y labels are whole numbers no wider than a top tick of 1.5 × the largest value
  function yLabelWidth(data, stacked) {
    var values = [0];
    data.datasets.forEach(function (d) {
      d.values.forEach(function (v, j) {
        if (stacked) values[j + 1] = (values[j + 1] || 0) + v;
        else values.push(v);
      });
    });
    (data.yMarkers || []).forEach(function (m) { values.push(m.value); });
    var top = Math.ceil(Math.max.apply(null, values) * 1.5) || 1;
    return textWidth(String(top).replace(/\d/g, "0"));
  }

  function draw(id, options, axis) {
    var el = document.getElementById(id);
    var size = axis ? el.clientHeight : Number(options.height);
    if (axis) {
      options.height = size;
      options.yLabelWidth = yLabelWidth(options.data, options.barOptions && options.barOptions.stacked);
      options.axisOptions = { xIsSeries: 1 };
      options.animate = 0;
    }
    var key = size + ":" + (options.yLabelWidth || 0);
    try {
      var chart = charts[id];
      if (chart && chart.screenKey === key) {
        chart.update(options.data);
      } else {
        // first draw, or the panel changed size or needs a wider axis: draw afresh at the new size
        if (chart) chart.destroy();
        el.textContent = "";
        chart = charts[id] = axis ? new ScreenChart(el, options) : new frappe.Chart(el, options);
        chart.screenKey = key;
      }
      el.dataset.drawn = "1";
    } catch (err) {
      el.dataset.drawn = "error";
      el.title = String(err);
    }
  }

  function legend(id, names, colors) {
    var ul = document.querySelector('.legend[data-for="' + id + '"]');
    ul.textContent = "";
    names.forEach(function (name, i) {
      var li = L.el("li");
      var swatch = L.el("i");
      swatch.style.background = colors[i];
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(name));
      ul.appendChild(li);
    });
  }

  // --- lists cut to their panel -------------------------------------------------------------
  // Fills `ul` with items; while it overflows, the item with the lowest keep() is left out and a
  // "+N more" line says how many.
  function fill(ul, items, make, keep, more) {
    var shown = items.slice();
    for (;;) {
      ul.textContent = "";
      shown.forEach(function (item) { ul.appendChild(make(item)); });
      var hidden = items.length - shown.length;
      if (hidden) ul.appendChild(L.el("li", ul.dataset.moreClass + " more", more.replace("{n}", hidden)));
      if (ul.scrollHeight <= ul.clientHeight + 1 || !shown.length) return;
      var drop = 0;
      shown.forEach(function (item, i) { if (keep(item) <= keep(shown[drop])) drop = i; });
      shown.splice(drop, 1);
    }
  }

  function hours(s) {
    var open = parseInt(s.site.opening_time, 10), close = parseInt(s.site.closing_time, 10) + 1;
    var out = [];
    for (var h = Math.max(0, open - 1); h <= Math.min(23, close); h++) out.push(h);
    return out;
  }

  var LEVEL_ORDER = { normal: 0, yellow: 1, orange: 2, red: 3 };

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
    banner.className = "banner screen-banner" + (s.banner ? " level-" + s.banner.level : "");
    document.getElementById("updated").textContent = L.time(s.generated_at);

    // lists first: the charts take the room the lists leave
    var zones = document.getElementById("zones");
    zones.dataset.moreClass = "heat";
    fill(zones, s.zones, function (z) {
      var li = L.el("li", "heat level-" + z.level);
      li.style.setProperty("--load", Math.min(100, z.percent) + "%");
      li.appendChild(L.el("span", "heat-name", L.name(z, lang)));
      li.appendChild(L.el("span", "heat-value", L.number(z.count) + " / " + L.number(z.capacity)));
      li.appendChild(L.el("span", "heat-percent", Math.round(z.percent) + "%"));
      return li;
    }, function (z) { return z.percent; }, t.more);
    var waits = document.getElementById("waits");
    waits.dataset.moreClass = "wait";
    fill(waits, s.waits, function (w) {
      var li = L.el("li", "wait");
      li.appendChild(L.el("span", "wait-name", L.name(w, lang)));
      li.appendChild(L.el("span", "wait-value", w.minutes === null ? "—" : t.minutes.replace("{n}", w.minutes)));
      return li;
    }, function (w) { return w.minutes || 0; }, t.more);
    var alerts = document.getElementById("alerts");
    alerts.dataset.moreClass = "alert";
    var list = s.alerts.length ? s.alerts : [{ level: "normal", zh: t.no_alerts, en: t.no_alerts }];
    fill(alerts, list, function (a) {
      return L.el("li", "alert level-" + a.level, L.text(a, lang));
    }, function (a) { return LEVEL_ORDER[a.level] || 0; }, t.more);
    document.getElementById("traffic").textContent = L.text(s.traffic, lang) || t.notraffic;

    var free = Math.max(0, s.capacity.instant - s.in_park);
    // the donut's ring is 210 px across: its height less frappe's 110 px of margins and legend
    draw("gauge", {
      type: "donut",
      height: 320,
      strokeWidth: 34,
      data: { labels: [t.in_park, t.room], datasets: [{ values: [s.in_park, free] }] },
      colors: [COLORS[s.level.code] || COLORS.normal, "#334155"],
    });

    var hs = hours(s);
    var hourlyColors = ["#38bdf8", "#f472b6"];
    legend("hourly", [t.entries, t.forecast], hourlyColors);
    draw("hourly", {
      type: "axis-mixed",
      data: {
        labels: hs.map(String),
        datasets: [
          { name: t.entries, chartType: "bar", values: hs.map(function (h) { return s.hourly.entries[h] || 0; }) },
          { name: t.forecast, chartType: "line", values: hs.map(function (h) { return (s.hourly.forecast || [])[h] || 0; }) },
        ],
      },
      colors: hourlyColors,
    }, true);

    if (s.parking.length) {
      var parkingColors = ["#fb923c", "#22c55e"];
      legend("parking", [t.occupied, t.free_spaces], parkingColors);
      draw("parking", {
        type: "bar",
        barOptions: { stacked: 1 },
        data: {
          labels: s.parking.map(function (p) { return L.name(p, lang); }),
          datasets: [
            { name: t.occupied, values: s.parking.map(function (p) { return p.occupied; }) },
            { name: t.free_spaces, values: s.parking.map(function (p) { return p.free; }) },
          ],
        },
        colors: parkingColors,
      }, true);
    }
    if (s.forecast.days.length) {
      draw("outlook", {
        type: "bar",
        data: {
          labels: s.forecast.days.map(function (d) { return String(Number(d.day.slice(8))); }),
          datasets: [{ name: t.forecast, values: s.forecast.days.map(function (d) { return d.predicted; }) }],
          yMarkers: [{ label: t.capacity, value: s.capacity.open_daily }],
        },
        colors: ["#a78bfa"],
      }, true);
    }
  }

  function clock() {
    var now = new Date();
    var day = now.toLocaleDateString(root.lang, { month: "short", day: "numeric", weekday: "short" });
    var time = now.toLocaleTimeString(root.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    document.getElementById("clock").textContent = day + " " + time;
  }

  document.addEventListener("DOMContentLoaded", function () {
    clock();
    setInterval(clock, 1000);
    L.start(render);
  });
})();
