// Behaviour every page shares. The Content-Security-Policy allows no inline script, no event
// handler attributes (onclick=) and no style attributes, so templates mark elements with data-*
// attributes and this file does the rest.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    // The menu button on narrow screens.
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    }
    if (event.target.closest("[data-print]")) window.print();
    // A read-only field whose whole text is meant to be copied (the calendar-feed address).
    var field = event.target.closest("[data-select-all]");
    if (field) field.select();
  });

  // A select or date field that applies itself: its form is sent when it changes.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) event.target.form.submit();
  });

  // The schedule grid: where each box sits comes from the server as numbers (pixels from the
  // top, heights in pixels or percent, the number of columns) and is applied through the CSSOM,
  // which the policy allows.
  function placeScheduleBoxes(root) {
    root.querySelectorAll("[data-grid-cols]").forEach(function (el) { el.style.setProperty("--cols", el.dataset.gridCols); });
    root.querySelectorAll("[data-grid-top]").forEach(function (el) { el.style.top = el.dataset.gridTop + "px"; });
    root.querySelectorAll("[data-grid-height]").forEach(function (el) { el.style.height = el.dataset.gridHeight + "px"; });
    root.querySelectorAll("[data-grid-height-pct]").forEach(function (el) { el.style.height = el.dataset.gridHeightPct + "%"; });
  }
  placeScheduleBoxes(document);
  document.addEventListener("htmx:afterSwap", function (event) { placeScheduleBoxes(event.detail.target); });
})();
