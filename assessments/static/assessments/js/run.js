/* The run page: a progress bar fed by the run's JSON every second, reloading into the results
   when the run finishes; the email form as a dialog. Without JavaScript a meta refresh reloads
   the page and the email button leads to the form's own page. */
(function () {
  "use strict";

  var progress = document.querySelector("[data-progress-url]");
  if (progress) {
    var url = progress.getAttribute("data-progress-url");
    var fill = progress.querySelector(".progress-fill rect");
    var track = progress.querySelector("[role=progressbar]");
    var step = progress.querySelector("[data-progress-step]");
    var pct = progress.querySelector("[data-progress-pct]");
    var status = progress.querySelector("[data-progress-status]");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (run) {
          fill.setAttribute("width", run.progress_pct);
          track.setAttribute("aria-valuenow", run.progress_pct);
          pct.textContent = run.progress_pct + "%";
          step.textContent = run.step_label;
          status.textContent = run.status_label;
          if (run.finished) window.location.reload();
          else window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }

  var dialog = document.querySelector("dialog.email-dialog");
  var opener = document.querySelector("[data-open-dialog]");
  if (dialog && opener && typeof dialog.showModal === "function") {
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { dialog.close(); });
    });
    if (dialog.hasAttribute("data-open")) dialog.showModal();
  }
})();
