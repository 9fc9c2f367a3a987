/* The dashboard's two charts, drawn by Chart.js (vendored, served from our own static files). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("bo-chart-data").textContent);
  if (typeof Chart === "undefined") { return; }
  var money = function (v) { return Number(v).toLocaleString(undefined, {maximumFractionDigits: 2}) + " " + data.currency; };
  var days = document.getElementById("bo-chart-days");
  if (days) {
    new Chart(days, {
      type: "bar",
      data: {labels: data.days.map(function (d) { return d.slice(5); }), datasets: data.per_day},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: {title: {display: true, text: data.labels.per_day + (data.currency ? " · " + data.currency : "")},
                  tooltip: {callbacks: {label: function (c) { return c.dataset.label + ": " + money(c.parsed.y); }}}},
        scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}
      }
    });
  }
  var channels = document.getElementById("bo-chart-channels");
  if (channels) {
    new Chart(channels, {
      type: "doughnut",
      data: {labels: data.per_channel.labels,
             datasets: [{data: data.per_channel.data, backgroundColor: data.per_channel.colours}]},
      options: {animation: false, responsive: true, maintainAspectRatio: false,
                plugins: {title: {display: true, text: data.labels.per_channel}, legend: {position: "bottom"}}}
    });
  }
  document.documentElement.setAttribute("data-charts", "drawn");
})();
