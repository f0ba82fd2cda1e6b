// Draws each insights chart from the JSON the page carries next to it (json_script: no inline
// script, so the CSP holds). The numbers are the table's own rows; the table stays the accessible
// version and the CSV the downloadable one.
(function () {
  "use strict";
  var PALETTE = ["#0f5f5c", "#c2410c", "#6d28d9", "#b91c1c", "#1d4ed8", "#4d7c0f"];

  function draw(canvas, data) {
    var doughnut = data.type === "doughnut";
    var datasets = data.datasets.map(function (set, i) {
      return {
        label: set.label,
        data: set.data,
        backgroundColor: doughnut ? PALETTE : PALETTE[i % PALETTE.length],
        borderWidth: doughnut ? 1 : 0
      };
    });
    return new window.Chart(canvas, {
      type: data.type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: doughnut || datasets.length > 1, position: "bottom" } },
        scales: doughnut ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function start() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-source]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.source);
      if (!source) { return; }
      draw(canvas, JSON.parse(source.textContent));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
