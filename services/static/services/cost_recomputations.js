/* Follows the unfinished cost recomputations on the coordinator's page: asks each one's JSON status endpoint
   every second and updates its progress bar, percentage, status and error; reloads the page once one has
   finished, to show its outcome. Without JavaScript the page is simply reloaded by hand. */
(function () {
  "use strict";

  var section = document.getElementById("cost-recomputations");
  if (!section || !window.fetch) {
    return;
  }
  var live = document.getElementById("recomputation-live");
  var rows = section.querySelectorAll("tr[data-status-url]");

  function part(row, role) {
    return row.querySelector('[data-role="' + role + '"]');
  }

  function show(row, progress) {
    var bar = part(row, "progress");
    var percent = part(row, "percent");
    var status = part(row, "status");
    var error = part(row, "error");
    if (bar) {
      bar.value = progress.percent;
      bar.textContent = progress.percent + " %";
    }
    if (percent) {
      percent.textContent = progress.percent + " %";
    }
    if (status) {
      status.textContent = progress.status_label;
    }
    if (error) {
      error.textContent = progress.error;
      error.className = progress.error ? "field-errors" : "";
    }
  }

  function follow(row) {
    var url = row.getAttribute("data-status-url");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(row, progress);
        if (progress.finished) {
          if (live) {
            live.textContent = section.getAttribute("data-text-reload");
          }
          window.location.reload();
        } else {
          window.setTimeout(function () { follow(row); }, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(function () { follow(row); }, 5000); // a hiccup of the server or the network
      });
  }

  for (var index = 0; index < rows.length; index++) {
    if (rows[index].getAttribute("data-status-url")) {
      follow(rows[index]);
    }
  }
})();
