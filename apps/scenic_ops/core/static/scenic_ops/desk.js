// Draws the desk's dashboard cards with frappe-charts (served locally, no CDN).
(function () {
  function draw(el) {
    var card = JSON.parse(el.dataset.chart);
    var data = { labels: card.labels, datasets: card.datasets };
    var options = {
      data: data,
      type: card.chart_type || "bar",
      height: 220,
      truncateLegends: true,
      axisOptions: { xIsSeries: card.chart_type === "line" },
    };
    if (card.colors && card.colors.length) options.colors = card.colors;
    try {
      new frappe.Chart(el, options);
      el.dataset.drawn = "1";
    } catch (err) {
      el.textContent = String(err);
      el.dataset.drawn = "error";
    }
  }
  function drawAll() {
    document.querySelectorAll(".scenic-chart[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
