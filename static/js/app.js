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

  // The header's navigation on one row, or behind the menu button when it does not fit (CSS
  // decides up to a tablet's width; here, for wider screens). Measured with the menu closed and
  // the header uncollapsed, again on each resize.
  function fitNavigation() {
    var header = document.querySelector(".site-header");
    var nav = document.getElementById("primary-nav");
    if (!header || !nav || window.matchMedia("(max-width: 1024px)").matches) {
      if (header) header.classList.remove("nav-collapsed");
      return;
    }
    header.classList.remove("nav-collapsed");
    var brand = header.querySelector(".brand");
    var items = nav.querySelectorAll("li, .account-menu > *");
    var top = brand.getBoundingClientRect().top, bottom = brand.getBoundingClientRect().bottom;
    var wraps = Array.prototype.some.call(items, function (el) {
      var box = el.getBoundingClientRect();
      return box.top >= bottom - 2 || box.bottom <= top + 2 || box.height > 48;
    });
    header.classList.toggle("nav-collapsed", wraps);
  }
  fitNavigation();
  var resizing = false;
  window.addEventListener("resize", function () {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(function () { resizing = false; fitNavigation(); });
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

  // On a phone the schedule shows one column (a practitioner, a room or a day) at a time, chosen
  // with the select above it, its ‹ › buttons, or a sideways swipe. CSS applies the layout under
  // its breakpoint only; wider screens keep every column.
  function scheduleOf(picker) {
    var next = picker.nextElementSibling;
    return next && next.querySelector(".schedule");
  }
  function showColumn(picker, key) {
    var schedule = scheduleOf(picker);
    if (!schedule) return;
    schedule.querySelectorAll("[data-column]").forEach(function (el) {
      el.classList.toggle("is-shown", el.dataset.column === key);
    });
    picker.querySelector("[data-schedule-column]").value = key;
  }
  function stepColumn(picker, step) {
    var select = picker.querySelector("[data-schedule-column]");
    var index = Math.min(Math.max(select.selectedIndex + step, 0), select.options.length - 1);
    showColumn(picker, select.options[index].value);
  }
  document.querySelectorAll("[data-schedule-picker]").forEach(function (picker) {
    var schedule = scheduleOf(picker);
    if (!schedule) return;
    picker.hidden = false;
    schedule.setAttribute("data-one-column", "");
    showColumn(picker, picker.querySelector("[data-schedule-column]").value);
    var startX = null, startY = null;
    schedule.addEventListener("touchstart", function (event) {
      startX = event.touches[0].clientX; startY = event.touches[0].clientY;
    }, {passive: true});
    schedule.addEventListener("touchend", function (event) {
      if (startX === null) return;
      var dx = event.changedTouches[0].clientX - startX, dy = event.changedTouches[0].clientY - startY;
      startX = null;
      if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) stepColumn(picker, dx < 0 ? 1 : -1);
    }, {passive: true});
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-schedule-column]")) showColumn(event.target.closest("[data-schedule-picker]"), event.target.value);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-schedule-step]");
    if (button) stepColumn(button.closest("[data-schedule-picker]"), Number(button.dataset.scheduleStep));
  });
  document.addEventListener("htmx:afterSwap", function (event) { placeScheduleBoxes(event.detail.target); });

  // After each htmx swap, focus goes to the new content, so that a keyboard or screen-reader user
  // lands on what appeared (the times of a day, a photo panel after an upload) instead of staying
  // on a link that may be gone: its first error, else its first heading, else the box itself.
  // The element is found again by id, since an outerHTML swap replaces the target.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id && !document.body.contains(target)) target = document.getElementById(target.id);
    if (!target || !document.body.contains(target)) return;
    var focus = target.querySelector("[data-focus-after-swap], [role=alert], .form-errors, .field-errors, h1, h2, h3") || target;
    if (!focus.matches("a, button, input, select, textarea, [tabindex]")) focus.setAttribute("tabindex", "-1");
    focus.focus({preventScroll: true});
    var top = focus.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 80) focus.scrollIntoView({block: "start"});
  });
})();
