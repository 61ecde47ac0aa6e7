/* Follows the reports still being generated: every element with a data-status-url asks its JSON status endpoint
   every second and updates its bar, status, percentage and step. When one has finished, the page is reloaded to
   show its status and files. Without JavaScript the page is reloaded by hand. */
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  var watched = Array.prototype.slice.call(document.querySelectorAll("[data-status-url]")).filter(function (element) {
    return element.getAttribute("data-finished") !== "true";
  });

  function setText(element, selector, text) {
    var target = element.querySelector(selector);
    if (target) {
      target.textContent = text;
    }
  }

  function show(element, progress) {
    var bar = element.querySelector("progress");
    if (bar) {
      bar.value = progress.percent;
      bar.textContent = progress.percent + " %";
    }
    if (element.querySelector(".report-progress__status")) {
      setText(element, ".report-progress__status", progress.status_label);
      setText(element, ".report-progress__percent", progress.percent + " %");
      setText(element, ".report-progress__step", progress.step);
    } else {
      setText(element, ".report-progress__label", progress.status_label + " " + progress.percent + " %");
    }
  }

  function poll(element) {
    fetch(element.getAttribute("data-status-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(element, progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(function () {
            poll(element);
          }, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(function () {
          poll(element);
        }, 5000); // a hiccup of the server or the network: try again a little later
      });
  }

  watched.forEach(function (element) {
    window.setTimeout(function () {
      poll(element);
    }, 1000);
  });
})();
