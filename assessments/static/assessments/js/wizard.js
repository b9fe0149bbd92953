/* The assessment wizard: one step at a time, a review of every answer, and a workload search.
   Without JavaScript the form is one long page with every step visible. */
(function () {
  "use strict";

  // Filter a checkbox list by the text typed in its search box.
  document.querySelectorAll("[data-filter-list]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filter-list"));
    if (!list) return;
    input.hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        var item = box.closest("li") || box.closest("div") || box.parentElement;
        item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });

  var form = document.querySelector("form[data-wizard]");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll(".wizard-step"));
  var links = Array.prototype.slice.call(document.querySelectorAll(".wizard-steps a"));
  if (!steps.length) return;
  form.classList.add("wizard-enhanced");

  function fieldText(field) {
    var label = field.querySelector("label");
    var name = label ? label.textContent.replace(/\*\s*$/, "").trim() : "";
    var boxes = field.querySelectorAll("input[type=checkbox]");
    var value;
    if (boxes.length > 1) {
      value = Array.prototype.filter.call(boxes, function (b) { return b.checked; })
        .map(function (b) { return b.parentElement.textContent.trim(); }).join(", ");
      var legend = field.querySelector(".field-label");
      if (legend) name = legend.textContent.replace(/\*\s*$/, "").trim();
    } else {
      var input = field.querySelector("input:not([type=hidden]):not([type=search]), select, textarea");
      if (!input) return null;
      value = input.tagName === "SELECT" ? input.options[input.selectedIndex].text : input.value;
    }
    return { name: name, value: value || "—" };
  }

  function fillReview() {
    var review = form.querySelector("[data-review]");
    if (!review) return;
    review.textContent = "";
    steps.forEach(function (step) {
      if (step.hasAttribute("data-review-step")) return;
      var heading = document.createElement("h3");
      heading.textContent = step.querySelector("legend").textContent;
      var list = document.createElement("dl");
      step.querySelectorAll(".field").forEach(function (field) {
        var row = fieldText(field);
        if (!row) return;
        var dt = document.createElement("dt");
        dt.textContent = row.name;
        var dd = document.createElement("dd");
        dd.textContent = row.value;
        list.appendChild(dt);
        list.appendChild(dd);
      });
      review.appendChild(heading);
      review.appendChild(list);
    });
  }

  function show(index) {
    steps.forEach(function (step, i) { step.hidden = i !== index; });
    links.forEach(function (link, i) {
      if (i === index) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    if (steps[index].hasAttribute("data-review-step")) fillReview();
    var legend = steps[index].querySelector("legend");
    if (legend) { legend.setAttribute("tabindex", "-1"); legend.focus(); }
  }

  links.forEach(function (link, i) {
    link.addEventListener("click", function (event) { event.preventDefault(); show(i); });
  });
  form.querySelectorAll("[data-step-move]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var current = steps.findIndex(function (step) { return !step.hidden; });
      var next = current + parseInt(button.getAttribute("data-step-move"), 10);
      show(Math.max(0, Math.min(steps.length - 1, next)));
    });
  });
  // After a POST with errors, open the first step that has one.
  var first = steps.findIndex(function (step) { return step.getAttribute("data-errors") === "true"; });
  show(first === -1 ? 0 : first);
})();
