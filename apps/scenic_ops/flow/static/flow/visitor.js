// The visitor information page.
(function () {
  var L = window.FlowLive;

  function item(list, main, side, level, percent) {
    var li = L.el("li", "item level-" + (level || "normal"));
    var head = L.el("div", "item-head");
    head.appendChild(L.el("span", "item-name", main));
    head.appendChild(L.el("span", "item-value", side));
    li.appendChild(head);
    if (percent !== undefined && percent !== null) {
      var meter = L.el("div", "meter");
      var bar = L.el("div", "meter-bar");
      bar.style.width = Math.min(100, percent) + "%";
      meter.appendChild(bar);
      li.appendChild(meter);
    }
    list.appendChild(li);
  }

  function render(s, t, lang) {
    document.getElementById("in-park").textContent = L.number(s.in_park);
    document.getElementById("capacity").textContent = L.number(s.capacity.instant);
    document.getElementById("entries-today").textContent = L.number(s.entries_today);
    document.getElementById("in-park-bar").style.width = Math.min(100, s.in_park_percent) + "%";
    var level = document.getElementById("level");
    level.textContent = L.text(s.level, lang);
    level.className = "badge level-" + s.level.code;
    document.getElementById("hero").className = "card hero level-" + s.level.code;
    var banner = document.getElementById("banner");
    banner.hidden = !s.banner;
    banner.textContent = s.banner ? L.text(s.banner, lang) : "";
    banner.className = "banner level-" + (s.banner ? s.banner.level : "normal");

    var zones = document.getElementById("zones");
    zones.textContent = "";
    s.zones.forEach(function (z) {
      item(zones, L.name(z, lang), t.crowd[z.level] + " · " + Math.round(z.percent) + "%", z.level, z.percent);
    });
    var parking = document.getElementById("parking");
    parking.textContent = "";
    s.parking.forEach(function (p) {
      var lvl = p.percent >= 95 ? "red" : p.percent >= 80 ? "yellow" : "normal";
      item(parking, L.name(p, lang), t.free.replace("{free}", L.number(p.free)).replace("{spaces}", L.number(p.spaces)), lvl, p.percent);
    });
    var waits = document.getElementById("waits");
    waits.textContent = "";
    s.waits.forEach(function (w) {
      var lvl = w.minutes >= 60 ? "red" : w.minutes >= 30 ? "yellow" : "normal";
      item(waits, L.name(w, lang), w.minutes === null ? t.nodata : t.minutes.replace("{n}", w.minutes), lvl);
    });
    document.getElementById("traffic").textContent = L.text(s.traffic, lang) || t.notraffic;
    var forecast = document.getElementById("forecast");
    forecast.textContent = "";
    if (s.forecast.days.length < 2) item(forecast, t.nodata, "");
    s.forecast.days.slice(1, 8).forEach(function (d) {
      var day = new Date(d.day + "T00:00:00");
      var label = (day.getMonth() + 1) + "/" + day.getDate() + " " + t.weekdays[day.getDay()];
      item(forecast, label, t.crowd[d.level], d.level);
    });
    document.getElementById("updated").textContent = L.time(s.generated_at);
  }

  document.addEventListener("DOMContentLoaded", function () { L.start(render); });
})();
