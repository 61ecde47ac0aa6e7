/* Follows a figure import on its status page: asks the JSON endpoint every second and updates the
   <progress> bar and its text; reloads the page once the import has finished, to show the outcome. */
(function () {
  "use strict";

  var section = document.getElementById("bulk-import");
  if (!section || section.getAttribute("data-finished") === "true" || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("bulk-progress");
  var label = document.getElementById("bulk-status-label");
  var count = document.getElementById("bulk-progress-count");
  var wordOf = section.getAttribute("data-text-of");
  var wordRows = section.getAttribute("data-text-rows");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function show(progress) {
    if (progress.total_rows) {
      bar.max = progress.total_rows;
      bar.value = Math.min(progress.processed_rows, progress.total_rows);
    } else {
      bar.removeAttribute("value"); // an indeterminate bar while the size is unknown
    }
    bar.textContent = (progress.percent === null ? 0 : progress.percent) + "%";
    label.textContent = progress.status_label;
    var text = numbers.format(progress.processed_rows);
    if (progress.total_rows !== null) {
      text += " " + wordOf + " " + numbers.format(progress.total_rows);
    }
    count.textContent = text + " " + wordRows;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000); // the server or the network hiccupped: try again a little later
      });
  }

  window.setTimeout(poll, 1000);
})();
