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

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-filterable]"), makeFilterable);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), confirmBeforeSubmit);
  });
})();
