/* Draws the report's plots from the JSON in #report-data with the vendored Chart.js. */
(function () {
  "use strict";
  var COLORS = { incumbent: "#0969da", candidate: "#bc4c00" };
  var FADED = { incumbent: "rgba(9,105,218,0.45)", candidate: "rgba(188,76,0,0.45)" };

  var intervalBars = {
    id: "intervalBars",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var y = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, i) {
        if (!dataset.low) { return; }
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          if (dataset.low[j] === null || dataset.high[j] === null) { return; }
          var top = y.getPixelForValue(dataset.high[j]);
          var bottom = y.getPixelForValue(dataset.low[j]);
          ctx.save();
          ctx.strokeStyle = "#1f2328";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(bar.x, top); ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - 5, top); ctx.lineTo(bar.x + 5, top);
          ctx.moveTo(bar.x - 5, bottom); ctx.lineTo(bar.x + 5, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };

  function base(extra) {
    var options = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: "bottom" } }
    };
    return Object.assign(options, extra || {});
  }

  function bars(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.categories,
        datasets: spec.series.map(function (s) {
          return {
            label: s.lane, data: s.values, low: s.low, high: s.high,
            backgroundColor: FADED[s.lane], borderColor: COLORS[s.lane], borderWidth: 1
          };
        })
      },
      options: base({ scales: { y: { min: 0, max: 1, title: { display: true, text: "success rate" } } } }),
      plugins: [intervalBars]
    };
  }

  function xy(pair) { return { x: pair[0], y: pair[1] }; }

  function strip(spec) {
    var datasets = [];
    spec.series.forEach(function (s) {
      datasets.push({
        label: s.lane, data: s.points.map(xy), pointRadius: 2.5,
        backgroundColor: FADED[s.lane], borderColor: FADED[s.lane]
      });
      datasets.push({
        label: s.lane + " median", data: s.medians.map(xy), pointStyle: "line",
        pointRadius: 14, borderWidth: 3, borderColor: COLORS[s.lane], backgroundColor: COLORS[s.lane]
      });
    });
    var names = spec.categories;
    return {
      type: "scatter",
      data: { datasets: datasets },
      options: base({
        scales: {
          x: {
            type: "linear", min: -0.5, max: names.length - 0.5,
            ticks: { stepSize: 1, autoSkip: false, callback: function (v) { return Number.isInteger(v) ? names[v] : ""; } },
            grid: { display: false }
          },
          y: { type: spec.log ? "logarithmic" : "linear", beginAtZero: !spec.log }
        }
      })
    };
  }

  function paired(spec) {
    var values = spec.points.map(function (p) { return p.x; }).concat(spec.points.map(function (p) { return p.y; }));
    var low = Math.min.apply(null, values) / 1.1;
    var high = Math.max.apply(null, values) * 1.1;
    var datasets = [{
      label: "task", data: spec.points, pointRadius: 3.5,
      backgroundColor: FADED.candidate, borderColor: COLORS.candidate
    }];
    spec.lines.forEach(function (line, i) {
      datasets.push({
        type: "line", label: line.label, pointRadius: 0, borderWidth: 1.5,
        borderColor: i === 0 ? "#6e7781" : "#cf222e", borderDash: i === 0 ? [4, 4] : [8, 4],
        data: [{ x: low, y: low * line.slope }, { x: high, y: high * line.slope }]
      });
    });
    return {
      type: "scatter",
      data: { datasets: datasets },
      options: base({
        scales: {
          x: { type: "logarithmic", title: { display: true, text: "incumbent tokens" } },
          y: { type: "logarithmic", title: { display: true, text: "candidate tokens" } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (ctx) { return ctx.raw.task ? ctx.raw.task + ": " + Math.round(ctx.raw.x) + " → " + Math.round(ctx.raw.y) : ctx.dataset.label; } } }
        }
      })
    };
  }

  function running(spec) {
    function series(values) { return spec.x.map(function (x, i) { return { x: x, y: values[i] }; }); }
    return {
      type: "line",
      data: {
        datasets: [
          { label: "interval low", data: series(spec.low), borderColor: FADED.candidate, pointRadius: 0, fill: false },
          { label: "interval", data: series(spec.high), borderColor: FADED.candidate, pointRadius: 0, fill: "-1", backgroundColor: "rgba(188,76,0,0.15)" },
          { label: "estimate", data: series(spec.estimate), borderColor: COLORS.candidate, pointRadius: 2 },
          { label: "threshold", data: [{ x: spec.x[0], y: spec.threshold }, { x: spec.x[spec.x.length - 1], y: spec.threshold }], borderColor: "#cf222e", borderDash: [6, 4], pointRadius: 0 }
        ]
      },
      options: base({
        scales: { x: { type: "linear", title: { display: true, text: "paired tasks" } } },
        plugins: { legend: { position: "bottom", labels: { filter: function (item) { return item.text !== "interval low"; } } } }
      })
    };
  }

  var KINDS = { bars: bars, strip: strip, paired: paired, running: running };

  function draw() {
    var source = document.getElementById("report-data");
    if (!source || typeof Chart === "undefined") { return; }
    JSON.parse(source.textContent).forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      if (canvas) { new Chart(canvas, KINDS[spec.kind](spec)); }
    });
  }

  draw();
}());
