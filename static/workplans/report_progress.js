/* Follows the report on its page, like the cost recomputations page: asks the JSON status endpoint every second,
   updates the bar, percentage, status and step, and reloads the page once the report has finished, to show its
   files. Without JavaScript the page is reloaded by hand. */
(function () {
  "use strict";
  var section = document.getElementById("execution-report");
  if (!section || section.getAttribute("data-finished") === "true" || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("report-progress");
  var label = document.getElementById("report-status-label");
  var percent = document.getElementById("report-percent");
  var step = document.getElementById("report-step");

  function show(progress) {
    bar.value = progress.percent;
    bar.textContent = progress.percent + " %";
    percent.textContent = progress.percent + " %";
    label.textContent = progress.status_label;
    step.textContent = progress.step;
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
        window.setTimeout(poll, 5000); // a hiccup of the server or the network: try again a little later
      });
  }

  window.setTimeout(poll, 1000);
})();
