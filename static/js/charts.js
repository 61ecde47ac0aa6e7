/* Draws every chart of reports/charts.py with the vendored Chart.js (static/vendor/chartjs/), from the numbers its
   figure carries as JSON (templates/includes/chart.html), and then hides the server-drawn SVG. The SVG is the
   fallback: it stays wherever Chart.js is missing or fails, and it is what prints. */
(function () {
  "use strict";

  var FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif";
  var FONT_SIZE = 13;
  var LABEL_CHARACTERS = 36; // category labels are cut where reports/charts.py cuts them; tooltips give them whole
  var LINE_HEIGHT = 300;

  // A number written as reports/charts.py writes it: grouped even at four digits ("1 234", as Django's
  // force_grouping), a fixed number of decimals, a share as a percentage with a space before "%".
  function numberFormatter(format, locale) {
    var decimals = format.decimals;
    var options = decimals === null || decimals === undefined
      ? { maximumFractionDigits: 2 }
      : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
    options.useGrouping = "always";
    var intl = new Intl.NumberFormat(locale, options);
    var percent = format.style === "percent";
    return function (value) {
      if (value === null || value === undefined || isNaN(value)) {
        return "\u2014";
      }
      return percent ? intl.format(value * 100) + " %" : intl.format(value);
    };
  }

  function truncate(label, characters) {
    label = String(label);
    return label.length <= characters ? label : label.slice(0, characters - 1).replace(/\s+$/, "") + "\u2026";
  }

  // The label cut to fit `width` pixels (and LABEL_CHARACTERS characters).
  function fit(label, width) {
    var characters = LABEL_CHARACTERS;
    var text = truncate(label, characters);
    while (characters > 4 && textWidth([text], FONT_SIZE) > width) {
      characters -= 1;
      text = truncate(label, characters);
    }
    return text;
  }

  function font(size, weight) {
    return (weight ? weight + " " : "") + size + "px " + FONT_FAMILY;
  }

  var measuring = null;

  function textWidth(texts, size, weight) {
    measuring = measuring || document.createElement("canvas").getContext("2d");
    var context = measuring;
    context.font = font(size, weight);
    return texts.reduce(function (widest, text) {
      return Math.max(widest, context.measureText(text).width);
    }, 0);
  }

  function totals(data, visible) {
    return data.labels.map(function (label, index) {
      return data.series.reduce(function (sum, series, seriesIndex) {
        return sum + (visible(seriesIndex) ? series.values[index] || 0 : 0);
      }, 0);
    });
  }

  // The values written as text beside the bars, inside stacked segments that have room and above or below line
  // points, as the SVG writes them: no figure is told by length or colour alone.
  function valueLabelPlugin(data, formatValue) {
    function visible(chart) {
      return function (index) {
        return chart.isDatasetVisible(index);
      };
    }

    function drawBarValues(chart, context) {
      var grouped = data.kind === "grouped";
      var zero = chart.scales.x.getPixelForValue(0);
      context.font = font(grouped ? FONT_SIZE - 2 : FONT_SIZE, grouped ? null : 600);
      context.textAlign = "left";
      data.series.forEach(function (series, seriesIndex) {
        if (!chart.isDatasetVisible(seriesIndex)) {
          return;
        }
        chart.getDatasetMeta(seriesIndex).data.forEach(function (bar, index) {
          var value = series.values[index];
          var end = value ? bar.x : zero;
          context.fillText(formatValue(value), end + 6, bar.y);
        });
      });
    }

    function drawStackValues(chart, context) {
      context.font = font(FONT_SIZE - 1);
      context.textAlign = "center";
      context.fillStyle = "#fff";
      data.series.forEach(function (series, seriesIndex) {
        if (!chart.isDatasetVisible(seriesIndex)) {
          return;
        }
        chart.getDatasetMeta(seriesIndex).data.forEach(function (segment, index) {
          var value = series.values[index];
          var text = formatValue(value);
          var width = Math.abs(segment.x - segment.base);
          if (value && width > context.measureText(text).width + 8) {
            context.fillText(text, (segment.x + segment.base) / 2, segment.y);
          }
        });
      });
      if (!data.show_total) {
        return;
      }
      context.font = font(FONT_SIZE, 600);
      context.textAlign = "left";
      context.fillStyle = data.colours.ink;
      var scale = chart.scales.x;
      var categories = chart.scales.y;
      totals(data, visible(chart)).forEach(function (total, index) {
        context.fillText(formatValue(total), scale.getPixelForValue(total) + 6, categories.getPixelForValue(index));
      });
    }

    function drawPointValues(chart, context) {
      var bottom = chart.chartArea.bottom;
      // Above the plot there is the padding of the layout, or the legend, which a label must not cover.
      var top = chart.chartArea.top - (data.show_legend ? 2 : 16);
      var written = {}; // category index → heights of the value labels already written there
      context.font = font(FONT_SIZE - 1);
      context.textAlign = "center";
      context.textBaseline = "alphabetic";
      data.series.forEach(function (series, seriesIndex) {
        if (!chart.isDatasetVisible(seriesIndex)) {
          return;
        }
        chart.getDatasetMeta(seriesIndex).data.forEach(function (point, index) {
          var value = series.values[index];
          if (value === null || value === undefined) {
            return;
          }
          // First series above its points, the next below, each turned round where it would leave the plot; a
          // label that would cover another is left out (the tooltip and the table still give it).
          var above = seriesIndex % 2 === 0 || point.y + 20 > bottom - 4;
          if (above && point.y - 10 - FONT_SIZE < top) {
            above = false;
          }
          var y = above ? point.y - 10 : point.y + 20;
          var taken = written[index] = written[index] || [];
          var free = taken.every(function (other) {
            return Math.abs(y - other) >= FONT_SIZE;
          });
          if (free) {
            taken.push(y);
            context.fillText(formatValue(value), point.x, y);
          }
        });
      });
    }

    return {
      id: "valueLabels",
      afterDatasetsDraw: function (chart) {
        if (!data.value_labels && !data.show_total) {
          return;
        }
        var context = chart.ctx;
        context.save();
        context.fillStyle = data.colours.ink;
        context.textBaseline = "middle";
        if (data.kind === "line") {
          drawPointValues(chart, context);
        } else if (data.stacked) {
          drawStackValues(chart, context);
        } else {
          drawBarValues(chart, context);
        }
        context.restore();
      }
    };
  }

  // Room on the right of horizontal bars for the longest value written after a bar.
  function valueRoom(data, formatValue) {
    var texts;
    if (data.stacked) {
      texts = data.show_total ? totals(data, function () { return true; }).map(formatValue) : [];
    } else {
      texts = [];
      data.series.forEach(function (series) {
        series.values.forEach(function (value) {
          texts.push(formatValue(value));
        });
      });
    }
    return texts.length ? Math.ceil(textWidth(texts, FONT_SIZE, 600)) + 12 : 8;
  }

  function legendRows(data, width) {
    if (!data.show_legend) {
      return 0;
    }
    var rows = 1;
    var x = 0;
    data.series.forEach(function (series) {
      var item = textWidth([series.label], FONT_SIZE) + 40;
      if (x && x + item > width) {
        rows += 1;
        x = 0;
      }
      x += item;
    });
    return rows;
  }

  function canvasHeight(data, width) {
    var legend = legendRows(data, width) * 24;
    if (!data.horizontal) {
      return LINE_HEIGHT + legend;
    }
    var perCategory = data.kind === "grouped" ? data.series.length * 16 + 12 : 32;
    return data.labels.length * perCategory + 36 + legend;
  }

  function configuration(data, locale, reduceMotion) {
    var formatValue = numberFormatter(data.value_format, locale);
    var formatAxis = numberFormatter(data.axis.format, locale);
    var colours = data.colours;
    var line = data.kind === "line";

    var datasets = data.series.map(function (series) {
      var dataset = {
        label: series.label,
        data: series.values,
        backgroundColor: series.colour,
        borderColor: series.colour
      };
      if (line) {
        dataset.borderWidth = 3;
        dataset.borderDash = series.dash;
        dataset.pointStyle = series.marker;
        dataset.pointRadius = 5;
        dataset.pointHoverRadius = 7;
        dataset.pointBorderColor = "#fff";
        dataset.pointBorderWidth = 1.5;
        dataset.spanGaps = false; // a missing year breaks the line, as in the SVG
        dataset.tension = 0;
        dataset.clip = 8; // a marker at the top of the scale is drawn whole
      } else if (data.stacked) {
        dataset.borderColor = "#fff"; // a white edge keeps neighbouring segments apart whatever their colours
        dataset.borderWidth = 1;
        dataset.maxBarThickness = 22;
      } else {
        dataset.maxBarThickness = data.kind === "grouped" ? 14 : 22;
      }
      return dataset;
    });

    var valueAxis = {
      type: "linear",
      min: data.axis.min,
      max: data.axis.max,
      stacked: data.stacked,
      grid: { color: colours.grid },
      border: { color: colours.axis },
      ticks: {
        stepSize: data.axis.step,
        color: colours.muted_ink,
        font: { size: FONT_SIZE - 1 },
        maxRotation: 0, // on a narrow screen fewer ticks, upright, rather than slanted ones
        autoSkipPadding: 8,
        callback: function (value) {
          return formatAxis(value);
        }
      }
    };
    var categoryAxis = {
      type: "category",
      stacked: data.stacked,
      offset: true,
      grid: { display: false },
      border: { color: colours.axis },
      ticks: {
        color: colours.ink,
        autoSkip: line,
        callback: function (value) {
          // Beside horizontal bars the labels take at most a third of the width (Chart.js cuts the axis at half the
          // plot and overflows the canvas beyond), so that a phone still shows the bars; the tooltip gives the
          // whole label.
          var label = this.getLabelForValue(value);
          return data.horizontal ? fit(label, this.chart.width / 3) : truncate(label, LABEL_CHARACTERS);
        }
      }
    };

    var tooltipCallbacks = {
      label: function (item) {
        return item.dataset.label + ": " + formatValue(data.series[item.datasetIndex].values[item.dataIndex]);
      }
    };
    if (data.stacked && data.show_total) {
      tooltipCallbacks.footer = function (items) {
        if (!items.length) {
          return "";
        }
        var chart = items[0].chart;
        var total = totals(data, function (index) { return chart.isDatasetVisible(index); })[items[0].dataIndex];
        return data.total_label + ": " + formatValue(total);
      };
    }

    return {
      type: line ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        locale: locale,
        animation: reduceMotion ? false : { duration: 400 },
        layout: {
          padding: data.horizontal
            ? { right: data.value_labels || data.show_total ? valueRoom(data, formatValue) : 8 }
            : { top: data.value_labels ? 18 : 4, right: 8 }
        },
        // One tooltip per category: a year's points, or a row's bars and segments, together.
        interaction: { mode: "index", axis: line ? "x" : "y", intersect: false },
        scales: data.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: {
            display: data.show_legend,
            position: "top",
            align: "start",
            labels: { color: colours.ink, usePointStyle: line, boxWidth: 14, boxHeight: 14 }
          },
          tooltip: {
            callbacks: tooltipCallbacks,
            // A missing value is no line of the tooltip (the table shows it as "—").
            filter: function (item) {
              var value = data.series[item.datasetIndex].values[item.dataIndex];
              return value !== null && value !== undefined;
            }
          }
        }
      },
      plugins: [valueLabelPlugin(data, formatValue)]
    };
  }

  function draw(figure, locale, reduceMotion) {
    var source = figure.querySelector('script[type="application/json"]');
    var wrapper = figure.querySelector(".chart__interactive");
    if (!source || !wrapper) {
      return;
    }
    var canvas = wrapper.querySelector("canvas");
    var chart = null;
    try {
      var data = JSON.parse(source.textContent);
      wrapper.hidden = false;
      wrapper.style.height = canvasHeight(data, wrapper.clientWidth || 560) + "px";
      chart = new window.Chart(canvas, configuration(data, locale, reduceMotion));
      figure.classList.add("chart--drawn");
    } catch (error) {
      // The SVG beside it still shows the same figures.
      if (chart) {
        chart.destroy();
      }
      wrapper.hidden = true;
      figure.classList.remove("chart--drawn");
      if (window.console) {
        window.console.warn("The chart stays a picture:", error);
      }
    }
  }

  function drawAll() {
    if (typeof window.Chart === "undefined") {
      return;
    }
    var locale = document.documentElement.lang || "lv";
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    window.Chart.defaults.font.family = FONT_FAMILY;
    window.Chart.defaults.font.size = FONT_SIZE;
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), function (figure) {
      draw(figure, locale, reduceMotion);
    });
  }

  // Chart.js (210 kB) is fetched only by a page that has a chart.
  var LIBRARY = document.currentScript && document.currentScript.getAttribute("data-chartjs");

  function start() {
    if (!document.querySelector("figure.chart")) {
      return;
    }
    if (typeof window.Chart !== "undefined" || !LIBRARY) {
      drawAll();
      return;
    }
    var script = document.createElement("script");
    script.src = LIBRARY;
    script.onload = drawAll;
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
