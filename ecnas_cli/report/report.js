// The report's behaviour: draw the plotly figures, the cell inspector (hover shows a cell,
// click pins it), and sortable tables. No network access: everything is in this page.
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("figures").textContent);
  var config = {responsive: true, displaylogo: false, showTips: false,
                modeBarButtonsToRemove: ["sendDataToCloud"]};
  var metrics = JSON.parse(document.getElementById("metrics").textContent);  // [label, unit]
  var inspector = document.getElementById("inspector");

  function value(v, unit) {
    if (v === null || v === undefined) return "-";
    if (unit === "fraction") return (100 * v).toFixed(2) + "%";
    if (unit === "count") return Math.round(v).toLocaleString("en");
    return v.toPrecision(4) + " " + unit;
  }
  var pinned = null;

  function show(point, pin) {
    if (!point.customdata || !inspector) return;
    var hash = point.customdata[0];
    var card = document.getElementById("cell-" + hash);
    var html = "";
    if (card) {
      html = card.innerHTML;
    } else {  // a table cell off every front: hash and metrics from the point's data
      var rows = metrics.map(function (m, k) {
        return "<tr><th>" + m[0] + "</th><td>" + value(point.customdata[k + 2], m[1]) + "</td></tr>";
      }).join("");
      html = '<div class="hash">' + hash + "</div><p>" + point.customdata[1] +
             " (drawn cells: the fronts' and the true front's)</p><table class=metrics>" +
             rows + "</table>";
    }
    inspector.innerHTML = (pin ? '<p class="pin">pinned: click the point again to release</p>'
                               : '<p class="hint">click to pin</p>') + html;
    inspector.dataset.hash = hash;
    inspector.classList.toggle("pinned", !!pin);
  }

  var promises = [];
  Object.keys(figures).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    var fig = figures[id];
    promises.push(Plotly.newPlot(el, fig.data, fig.layout, config));
    if (id !== "front") return;
    el.on("plotly_hover", function (ev) { if (!pinned) show(ev.points[0], false); });
    el.on("plotly_click", function (ev) {
      var hash = ev.points[0].customdata && ev.points[0].customdata[0];
      pinned = (pinned === hash) ? null : hash;
      show(ev.points[0], pinned !== null);
    });
  });

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, col) {
      th.title = "click to sort";
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var asc = th.dataset.dir !== "asc";
        table.querySelectorAll("th").forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = asc ? "asc" : "desc";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (x || "").localeCompare(y || "");
          if (x === "" && y !== "") c = 1;  // missing values last either way
          else if (y === "" && x !== "") c = -1;
          else if (!asc) c = -c;
          return c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  Promise.all(promises).then(function () { window.reportReady = true; });
})();
