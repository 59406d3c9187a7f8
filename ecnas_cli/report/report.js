// The report's behaviour: draw the Vega-Lite figures, the cell inspector (hover shows a cell,
// click pins it), linear/log axis buttons and sortable tables. No network access: everything
// is in this page.
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("figures").textContent);
  var metrics = JSON.parse(document.getElementById("metrics").textContent);  // [key, label, unit]
  var inspector = document.getElementById("inspector");
  var pinned = null;
  var views = window.reportViews = {};  // the Vega views, by plot id (tests read them)

  function value(v, unit) {
    if (v === null || v === undefined) return "-";
    if (unit === "fraction") return (100 * v).toFixed(2) + "%";
    if (unit === "count") return Math.round(v).toLocaleString("en");
    if (unit === "MAC") return (v / 1e6).toFixed(1) + " M MAC";  // as the cell cards
    return v.toPrecision(4) + " " + unit;
  }

  function show(datum, pin) {
    if (!inspector || !datum || !datum.hash) return;
    var card = document.getElementById("cell-" + datum.hash);
    var html;
    if (card) {
      html = card.innerHTML;
    } else {  // a table cell off every front: hash and metrics from the point's data
      html = '<div class="hash">' + datum.hash + "</div><p>" + datum.what +
             " (drawn: the cells of the fronts and of the true front)</p><table class=metrics>" +
             metrics.map(function (m) {
               return "<tr><th>" + m[1] + "</th><td>" + value(datum[m[0]], m[2]) + "</td></tr>";
             }).join("") + "</table>";
    }
    inspector.innerHTML = (pin ? '<p class="pin">pinned: click the point again to release</p>'
                               : '<p class="hint">click to pin</p>') + html;
    inspector.dataset.hash = datum.hash;
    inspector.classList.toggle("pinned", !!pin);
  }

  function setScale(spec, axes, type) {  // every x (and y) scale of every layer
    (spec.layer || []).forEach(function (l) { setScale(l, axes, type); });
    var enc = spec.encoding || {};
    axes.split("").forEach(function (a) {
      if (enc[a] && enc[a].scale) enc[a].scale.type = type;
    });
  }

  function embed(id) {
    var el = document.getElementById(id);
    return vegaEmbed(el, figures[id], {renderer: "svg", actions: false}).then(function (res) {
      views[id] = res.view;
      if (id !== "front") return;
      res.view.addEventListener("mouseover", function (ev, item) {
        if (!pinned && item && item.datum) show(item.datum, false);
      });
      res.view.addEventListener("click", function (ev, item) {
        if (!item || !item.datum || !item.datum.hash) return;
        pinned = (pinned === item.datum.hash) ? null : item.datum.hash;
        show(item.datum, pinned !== null);
      });
    });
  }

  document.querySelectorAll(".toggle").forEach(function (box) {
    box.querySelectorAll("button").forEach(function (button) {
      button.addEventListener("click", function () {
        var id = box.dataset.plot;
        setScale(figures[id], box.dataset.axes, button.dataset.scale);
        box.querySelectorAll("button").forEach(function (b) { b.classList.toggle("on", b === button); });
        if (views[id]) views[id].finalize();
        embed(id).then(function () { box.dataset.scale = button.dataset.scale; });
      });
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

  Promise.all(Object.keys(figures).map(embed)).then(function () { window.reportReady = true; })
    .catch(function (err) { console.error(err); });
})();
