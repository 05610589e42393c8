// paved-bot's page: the unlock confirmation and the live log. Without
// this script the page still works: unlock asks on a page of its own and
// a running command's page reloads itself.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) {
        ev.preventDefault();
        return;
      }
      form.querySelector("input[name=confirm]").value = "yes";
    });
  });

  var log = document.getElementById("log");
  if (!log || !log.dataset.stream || !window.EventSource) {
    return;
  }
  var state = document.getElementById("job-state");
  var live = document.getElementById("live");
  var source = new EventSource(log.dataset.stream);
  source.addEventListener("log", function (ev) {
    var follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    log.appendChild(document.createTextNode(JSON.parse(ev.data)));
    if (follow) {
      log.scrollTop = log.scrollHeight;
    }
  });
  source.addEventListener("end", function (ev) {
    source.close();
    log.removeAttribute("data-stream");
    log.dataset.ended = "true";
    if (state) {
      state.textContent = JSON.parse(ev.data);
      state.className = "badge done";
    }
    if (live) {
      live.textContent = "The command finished: this is its whole log.";
    }
  });
});
