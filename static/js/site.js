/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // A search box above a long <select data-filterable> that narrows its options.
  // Options are removed and re-added (hiding <option> is not supported everywhere);
  // chosen options always stay so that they are still submitted.
  function makeFilterable(select, index) {
    var options = Array.prototype.slice.call(select.options);
    var wrapper = document.createElement("div");
    wrapper.className = "select-filter";

    var input = document.createElement("input");
    input.type = "search";
    input.id = (select.id || "select-" + index) + "-filter";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);

    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = select.getAttribute("data-filter-label") || "Filter";

    var status = document.createElement("span");
    status.className = "select-filter__status";
    status.setAttribute("role", "status");

    wrapper.appendChild(label);
    wrapper.appendChild(input);
    wrapper.appendChild(status);
    select.parentNode.insertBefore(wrapper, select);

    input.addEventListener("input", function () {
      var needle = input.value.trim().toLocaleLowerCase();
      var shown = 0;
      while (select.options.length) {
        select.remove(0);
      }
      options.forEach(function (option) {
        var matches = !needle || option.value === "" || option.selected ||
          option.text.toLocaleLowerCase().indexOf(needle) !== -1;
        if (matches) {
          select.add(option);
          shown += 1;
        }
      });
      status.textContent = needle ? shown + " / " + options.length : "";
    });
  }

  // Ask before a destructive form is sent.
  function confirmBeforeSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }

  // Refuse a file above the site's upload limit before it is sent: the server would refuse it unread, and a
  // browser cut off in the middle of sending shows a network error rather than the server's message.
  function limitFileSize(input) {
    var limit = parseInt(document.body.getAttribute("data-upload-limit"), 10);
    var message = document.body.getAttribute("data-upload-message") || "";
    if (!limit) {
      return;
    }
    input.addEventListener("change", function () {
      var problem = "";
      Array.prototype.forEach.call(input.files || [], function (file) {
        if (!problem && file.size > limit) {
          var size = (file.size / (1024 * 1024)).toLocaleString(document.documentElement.lang || undefined, {
            minimumFractionDigits: 1,
            maximumFractionDigits: 1,
          });
          problem = message.replace("{name}", file.name).replace("{size}", size);
        }
      });
      input.setCustomValidity(problem);
      if (problem) {
        input.reportValidity();
      }
    });
    // Forms marked novalidate leave the checks to the server; this one is still kept.
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (input.validationMessage) {
          event.preventDefault();
          input.reportValidity();
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), limitFileSize);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-filterable]"), makeFilterable);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), confirmBeforeSubmit);
  });
})();
