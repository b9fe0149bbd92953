/* Small enhancements; every page also works without JavaScript. */
(function () {
  "use strict";

  // Dropdown menus are <details>: keep one open at a time, close on Escape or a click outside.
  function menus() {
    return Array.prototype.slice.call(document.querySelectorAll("details.menu"));
  }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details.menu") || !opened.open) return;
    menus().forEach(function (menu) {
      if (menu !== opened) menu.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });

  // Copy buttons (hidden without JavaScript, where selecting the text does the job).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value || target.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      });
    });
  });

  // A form that starts work (a run) is sent once: a second click before the next page loads
  // does nothing. The buttons are disabled after the submit, so the clicked one's value is sent.
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "true";
      setTimeout(function () {
        form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  });

  // A workload form shows the fields of the kind of work chosen (tokens for token work,
  // GPU-hours and what an API bills for the rest); without JavaScript it shows them all.
  document.querySelectorAll("form[data-kind-form]").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    function show() {
      form.querySelectorAll(".kind-field").forEach(function (field) {
        field.hidden = field.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
      });
      form.querySelectorAll("fieldset").forEach(function (fieldset) {
        var fields = fieldset.querySelectorAll(".form-grid > *");
        var hidden = fieldset.querySelectorAll(".form-grid > .kind-field[hidden]");
        fieldset.hidden = fields.length > 0 && fields.length === hidden.length;
      });
    }
    kind.addEventListener("change", show);
    show();
  });

  // Select the whole secret on focus so a keyboard user can copy it at once.
  document.querySelectorAll("input[readonly].mono").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
