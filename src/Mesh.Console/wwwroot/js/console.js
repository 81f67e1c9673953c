// Mesh console: draws the charts a page carries as JSON (Chart.js, served from this console),
// submits chooser forms on change, and follows live views (a running run) with server-sent events.
(function () {
  'use strict';
  // Okabe-Ito: distinguishable with the common kinds of colour-blindness.
  var palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000', '#999999'];

  function color(series, i) { return palette[(series.color != null ? series.color : i) % palette.length]; }

  function dataset(series, i, kind) {
    var c = color(series, i);
    var d = { label: series.label, data: series.values, backgroundColor: c, borderColor: c, spanGaps: false, exact: series.exact };
    if (series.style === 'line' || (kind === 'line' && !series.style)) { d.type = 'line'; d.fill = false; d.pointRadius = 2; d.borderWidth = 2; }
    if (series.style === 'dashed') { d.type = 'line'; d.fill = false; d.borderDash = [6, 4]; d.pointRadius = 2; d.borderWidth = 2; }
    if (series.style === 'band-lower') { d.type = 'line'; d.pointRadius = 0; d.borderWidth = 0; d.fill = false; d.backgroundColor = 'rgba(86,180,233,0.25)'; }
    if (series.style === 'band-upper') { d.type = 'line'; d.pointRadius = 0; d.borderWidth = 0; d.fill = '-1'; d.backgroundColor = 'rgba(86,180,233,0.25)'; }
    return d;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute('data-chart'));
    if (!source || typeof Chart === 'undefined') { return; }
    var spec = JSON.parse(source.textContent);
    var chart = new Chart(canvas, {
      type: spec.kind === 'line' ? 'line' : 'bar',
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(s, i, spec.kind); }) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { stacked: !!spec.stacked, title: { display: !!spec.xTitle, text: spec.xTitle } },
          y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: true, text: spec.yTitle } }
        },
        plugins: {
          legend: { position: 'bottom', labels: { filter: function (item, data) { var s = spec.series[item.datasetIndex]; return !(s && s.style && s.style.indexOf('band') === 0 && s.style !== 'band-upper'); } } },
          tooltip: { callbacks: { label: function (ctx) {
            var exact = ctx.dataset.exact; var v = exact ? exact[ctx.dataIndex] : ctx.formattedValue;
            return ctx.dataset.label + ': ' + v;
          } } }
        }
      }
    });
    canvas.setAttribute('data-rendered', String(chart.data.datasets.length));
  }

  function follow(el) {
    var url = el.getAttribute('data-live');
    if (!url || typeof EventSource === 'undefined') { return; }
    var source = new EventSource(url);
    source.addEventListener('changed', function () { source.close(); window.location.reload(); });
    source.addEventListener('ended', function () { source.close(); window.location.reload(); });
    source.onerror = function () { source.close(); };
  }

  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('canvas[data-chart]'), draw);
    Array.prototype.forEach.call(document.querySelectorAll('form[data-autosubmit] select'), function (select) {
      select.addEventListener('change', function () { select.form.submit(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-live]'), follow);
  });
})();

// Waterfall bars: offsets and widths come as data attributes (the page allows no inline style).
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('.bar-fill[data-left]'), function (bar) {
    bar.style.left = (parseFloat(bar.getAttribute('data-left')) * 100) + '%';
    bar.style.width = (parseFloat(bar.getAttribute('data-width')) * 100) + '%';
  });
});
