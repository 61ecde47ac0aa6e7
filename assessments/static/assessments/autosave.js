/* Autosave of an assessment area page. The questions a person changes are sent as JSON to the form's
   data-autosave-url a few seconds after the change and as soon as they leave the field; one request at a time,
   each carrying the revision the page knows, which the answer updates. A conflict (someone else saved a
   different answer meanwhile) stops autosave and shows both answers per question with a choice; nothing is
   overwritten silently. Links to other areas wait for the save. Without JavaScript the Save buttons do all this.
   Files are not sent here: they are uploaded with the Save button. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var INTERVAL = 3000;
  var url = form.getAttribute("data-autosave-url");
  var revisionInput = form.querySelector("[data-role=revision]");
  var statusLine = form.querySelector("[data-role=autosave-status]");
  var conflictPanel = document.querySelector("[data-role=conflicts]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var dirty = {}; // question id -> change counter, so a change made while a save runs is not forgotten
  var inFlight = false;
  var current = null; // the running save, so that one waiting for it can follow on
  var blocked = false; // a conflict or a locked assessment: no autosave until resolved
  var timer = null;

  function text(name) {
    return form.getAttribute("data-text-" + name) || "";
  }

  function say(message, kind) {
    statusLine.textContent = message;
    statusLine.className = "autosave-status" + (kind ? " autosave-status--" + kind : "");
  }

  function blockOf(element) {
    while (element && element !== form) {
      if (element.hasAttribute && element.hasAttribute("data-question")) {
        return element;
      }
      element = element.parentNode;
    }
    return null;
  }

  function block(questionId) {
    return form.querySelector('[data-question="' + questionId + '"]');
  }

  function autosaved(input) {
    return input.name && input.type !== "file" && !/-remove_file$/.test(input.name) &&
      input.name.indexOf("resolve-") !== 0 && input.name !== "conflict";
  }

  // One question's inputs as {options: [...], number: "", text: "", not_applicable: bool, ...}.
  function collect(fieldset) {
    var prefix = fieldset.getAttribute("data-prefix") + "-";
    var answer = {};
    var inputs = fieldset.querySelectorAll("input, textarea, select");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (!autosaved(input) || input.name.indexOf(prefix) !== 0) {
        continue;
      }
      var name = input.name.slice(prefix.length);
      if (name === "options") {
        answer.options = answer.options || [];
        if (input.checked) {
          answer.options.push(input.value);
        }
      } else if (input.type === "checkbox") {
        answer[name] = input.checked;
      } else {
        answer[name] = input.value;
      }
    }
    return answer;
  }

  // Put an answer (as the server stores it) back into a question's inputs.
  function apply(fieldset, answer) {
    var prefix = fieldset.getAttribute("data-prefix") + "-";
    var chosen = (answer.options || []).map(String);
    var inputs = fieldset.querySelectorAll("input, textarea, select");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (!autosaved(input) || input.name.indexOf(prefix) !== 0) {
        continue;
      }
      var name = input.name.slice(prefix.length);
      if (name === "options") {
        input.checked = chosen.indexOf(input.value) !== -1;
      } else if (input.type === "checkbox") {
        input.checked = Boolean(answer[name]);
      } else if (name in answer) {
        input.value = answer[name] === null || answer[name] === undefined ? "" : answer[name];
      }
    }
  }

  function pending() {
    return Object.keys(dirty).length > 0;
  }

  function markDirty(event) {
    var fieldset = blockOf(event.target);
    if (!fieldset || !autosaved(event.target)) {
      return;
    }
    var id = fieldset.getAttribute("data-question");
    dirty[id] = (dirty[id] || 0) + 1;
    if (!blocked) {
      say(text("unsaved"));
    }
  }

  function showErrors(errors) {
    var blocks = form.querySelectorAll("[data-question]");
    for (var i = 0; i < blocks.length; i++) {
      var box = blocks[i].querySelector("[data-role=errors]");
      var messages = errors[blocks[i].getAttribute("data-question")];
      if (box) {
        box.textContent = messages ? messages.join(" ") : "";
      }
      blocks[i].classList.toggle("field--error", Boolean(messages));
    }
  }

  function showProgress(progress) {
    var bar = document.querySelector("[data-role=progress-bar]");
    var words = document.querySelector("[data-role=progress-text]");
    var percent = document.querySelector("[data-role=progress-percent]");
    if (bar) {
      bar.max = progress.mandatory || 1;
      bar.value = progress.answered;
      bar.textContent = progress.percent + " %";
    }
    if (words) {
      words.textContent = text("progress")
        .replace("{answered}", progress.answered)
        .replace("{mandatory}", progress.mandatory);
    }
    if (percent) {
      percent.textContent = progress.percent;
    }
    Object.keys(progress.areas || {}).forEach(function (areaId) {
      var count = document.querySelector('[data-area-count="' + areaId + '"]');
      if (count) {
        count.textContent = progress.areas[areaId][0] + " / " + progress.areas[areaId][1];
      }
    });
  }

  function resolveOne(item, keepMine, row, conflict) {
    var fieldset = block(item.question);
    if (keepMine) {
      dirty[item.question] = (dirty[item.question] || 0) + 1;
    } else {
      apply(fieldset, item.stored);
      delete dirty[item.question];
    }
    fieldset.classList.remove("question--conflict");
    row.parentNode.removeChild(row);
    conflict.open -= 1;
    if (conflict.open === 0) {
      revisionInput.value = conflict.revision;
      conflictPanel.hidden = true;
      blocked = false;
      save();
    }
  }

  function button(label, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button button--small button--secondary";
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function showConflicts(data) {
    blocked = true;
    say(text("conflict"), "error");
    conflictPanel.textContent = "";
    var heading = document.createElement("p");
    heading.textContent = text("conflict");
    conflictPanel.appendChild(heading);
    var list = document.createElement("ul");
    var conflict = { open: data.conflicts.length, revision: data.revision };
    data.conflicts.forEach(function (item) {
      var row = document.createElement("li");
      row.setAttribute("data-conflict", item.question);
      var title = document.createElement("strong");
      title.textContent = item.code + " " + item.text;
      row.appendChild(title);
      var both = document.createElement("p");
      both.textContent = text("stored") + ": " + item.stored_display + " · " + text("yours") + ": " + item.sent_display;
      row.appendChild(both);
      row.appendChild(button(text("keep-mine"), function () { resolveOne(item, true, row, conflict); }));
      row.appendChild(document.createTextNode(" "));
      row.appendChild(button(text("use-stored"), function () { resolveOne(item, false, row, conflict); }));
      list.appendChild(row);
      var fieldset = block(item.question);
      if (fieldset) {
        fieldset.classList.add("question--conflict");
      }
    });
    conflictPanel.appendChild(list);
    conflictPanel.hidden = false;
    if (!data.conflicts.length) {
      revisionInput.value = data.revision;
      conflictPanel.hidden = true;
      blocked = false;
    }
  }

  // Send the changed questions; resolves when the page may be left (saved, or nothing to save).
  function save() {
    if (inFlight) {
      return current.then(function () { return save(); });
    }
    if (blocked || !pending()) {
      return Promise.resolve(!pending());
    }
    var sent = {};
    var answers = {};
    Object.keys(dirty).forEach(function (id) {
      sent[id] = dirty[id];
      answers[id] = collect(block(id));
    });
    inFlight = true;
    say(text("saving"));
    current = fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ revision: Number(revisionInput.value), answers: answers })
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        inFlight = false;
        var data = result.data;
        if (result.status === 200) {
          revisionInput.value = data.revision;
          Object.keys(sent).forEach(function (id) {
            if (dirty[id] === sent[id]) {
              delete dirty[id];
            }
          });
          showErrors({});
          showProgress(data.progress);
          say(text("saved").replace("{time}", data.saved_at), "ok");
          return !pending();
        }
        if (result.status === 409) {
          showConflicts(data);
        } else if (result.status === 400 && data.errors) {
          showErrors(data.errors);
          say(text("invalid"), "error");
        } else {
          blocked = true;
          say(text("locked"), "error");
        }
        return false;
      })
      .catch(function () {
        inFlight = false;
        say(text("offline"), "error");
        return false;
      });
    return current;
  }

  form.addEventListener("input", markDirty);
  form.addEventListener("change", function (event) {
    markDirty(event);
    save();
  });
  form.addEventListener("focusout", function (event) {
    if (blockOf(event.target)) {
      save();
    }
  });
  form.addEventListener("submit", function () {
    window.clearInterval(timer);
    dirty = {}; // the form itself carries every answer now
  });

  // Leaving for another area waits for the save; a failed save keeps the person here with the message.
  Array.prototype.forEach.call(document.querySelectorAll("a[data-leave], .breadcrumb a"), function (link) {
    link.addEventListener("click", function (event) {
      if (!pending()) {
        return;
      }
      event.preventDefault();
      save().then(function (done) {
        if (done) {
          window.location.href = link.href;
        }
      });
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending()) {
      save();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  timer = window.setInterval(save, INTERVAL);
})();
