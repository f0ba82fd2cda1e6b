// Booking screens: small progressive enhancements; every page works without this file.
(function () {
  // A submit button marked data-once is disabled after the first click, so a double click
  // sends one request (the server also refuses a duplicate).
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[data-once]");
    if (!button) return;
    if (button.dataset.sent) { event.preventDefault(); return; }
    button.dataset.sent = "1";
    setTimeout(function () { button.setAttribute("aria-disabled", "true"); button.classList.add("is-busy"); }, 0);
  });
  // Coming back with the back button (page restored from the cache): buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("button[data-sent]").forEach(function (button) {
      delete button.dataset.sent;
      button.removeAttribute("aria-disabled");
      button.classList.remove("is-busy");
    });
  });
  // Highlight the chosen day on the calendar when htmx loads its times.
  document.addEventListener("click", function (event) {
    var day = event.target.closest(".day-button");
    if (!day) return;
    document.querySelectorAll(".day-button.selected").forEach(function (el) { el.classList.remove("selected"); el.removeAttribute("aria-current"); });
    day.classList.add("selected");
    day.setAttribute("aria-current", "date");
  });
})();
