// The desk's own script, on every desk page (served locally, no CDN):
// 1. frappe-charts draws its charts as <svg class="frappe-chart chart">, and Unfold's app.js, on
//    "load", calls getContext("2d") on every ".chart" element (its Chart.js canvases): the svg must
//    not carry that class when Unfold looks, nor after a redraw.
// 2. Dashboard cards (.scenic-chart[data-chart]) are drawn with frappe-charts; a card without
//    figures says so instead of drawing NaN-sized bars.
// 3. The counter sale screen (#counter-form): keyboard flow and ID-card reader input.
(function () {
  if (window.scenicDesk) return; // included twice on a page: once is enough
  var desk = (window.scenicDesk = {});

  function text(key, fallback) {
    var node = document.getElementById("scenic-desk-text");
    if (!node) return fallback;
    try {
      return JSON.parse(node.textContent)[key] || fallback;
    } catch (err) {
      return fallback;
    }
  }

  // --- 1. frappe's svg out of Unfold's way ---------------------------------------------------------
  function unclass(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("svg.frappe-chart.chart")) root.classList.remove("chart");
    root.querySelectorAll("svg.frappe-chart.chart").forEach(function (svg) {
      svg.classList.remove("chart");
    });
  }
  desk.unclass = unclass;
  unclass(document);
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(unclass);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  /** new frappe.Chart(target, options), its svg kept out of Unfold's chart lookup. */
  desk.chart = function (target, options) {
    var el = typeof target === "string" ? document.querySelector(target) : target;
    var chart = new frappe.Chart(el, options);
    unclass(el);
    return chart;
  };

  // --- 2. dashboard cards --------------------------------------------------------------------------
  function hasFigures(card) {
    var values = [];
    (card.datasets || []).forEach(function (d) {
      values = values.concat(d.values || []);
    });
    if (!(card.labels || []).length || !values.length) return false;
    if (["pie", "percentage", "donut"].indexOf(card.chart_type) >= 0) {
      return values.reduce(function (a, b) {
        return a + (Number(b) || 0);
      }, 0) > 0;
    }
    return true;
  }

  function draw(el) {
    if (el.dataset.drawn) return;
    var card = JSON.parse(el.dataset.chart);
    if (!hasFigures(card)) {
      el.textContent = text("noData", "—");
      el.classList.add("text-base-500", "py-8", "text-center");
      el.dataset.drawn = "empty";
      return;
    }
    var options = {
      data: { labels: card.labels, datasets: card.datasets },
      type: card.chart_type || "bar",
      height: 220,
      truncateLegends: true,
      axisOptions: { xIsSeries: card.chart_type === "line" },
    };
    if (card.colors && card.colors.length) options.colors = card.colors;
    try {
      desk.chart(el, options);
      el.dataset.drawn = "1";
    } catch (err) {
      el.textContent = String(err);
      el.dataset.drawn = "error";
    }
  }

  function drawAll() {
    if (!window.frappe) return;
    document.querySelectorAll(".scenic-chart[data-chart]").forEach(draw);
  }

  desk.ready = function (fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  };
  desk.ready(drawAll);
})();
