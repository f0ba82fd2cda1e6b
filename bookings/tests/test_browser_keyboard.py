"""A client books a session with the keyboard alone, from the areas to the confirmation: every
stop of the focus is visible, the times of a day are announced with their day, time and
practitioner, focus moves to the times when htmx brings them, and each screen passes axe-core."""

import re

import pytest

from bookings.models import Appointment
from bookings.tests.test_browser_booking import cleared, next_weekday, setup  # noqa: F401 (fixture)
from clinic.tests.screens import assert_screen_ok
from clinic.tests.test_browser_screens import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How the focused element shows it is focused: an outline or the site's focus ring (box-shadow).
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
}"""
FOCUSED = r"""() => {
  const el = document.activeElement;
  return el ? {tag: el.tagName.toLowerCase(), text: (el.getAttribute("aria-label") || el.textContent || el.value || "").replace(/\s+/g, " ").trim(),
               id: el.id, cls: el.className, label: el.labels && el.labels[0] ? el.labels[0].innerText.trim() : ""} : null;
}"""


def tab_to(page, matches, *, limit: int = 120) -> dict:
    """Press Tab until the focused element ``matches``; each stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert page.evaluate(FOCUS_SHOWN), f"focus is not visible on {focused}"
        if matches(focused):
            return focused
    raise AssertionError(f"Tab never reached the element after {limit} presses")


def test_a_client_books_with_the_keyboard_alone(browser, live_server, setup):  # noqa: F811
    ava = cleared(first_name="Ava", last_name="Lindqvist", email="ava@example.com")
    day = next_weekday(2)
    page, _ = signed_in(browser, live_server, ava)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/bookings/book/{setup.treatment.slug}/")
    assert_screen_ok(page)

    tab_to(page, lambda el: el["tag"] == "input" and el["label"].startswith("Face"))
    page.keyboard.press("Space")
    tab_to(page, lambda el: el["text"] == "See available days")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Choose a day").wait_for()
    assert_screen_ok(page)

    label = re.compile(rf"^{day:%A}\b.*\b{day.day}\b.*{day:%B}.*: \d+ times? free$")
    for _ in range(2):  # this month, or the next one
        if page.locator(f'a.day-button[data-day="{day:%Y-%m-%d}"]').count():
            break
        tab_to(page, lambda el: el["text"] == "Next month")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
    tab_to(page, lambda el: bool(label.match(el["text"])))
    page.keyboard.press("Enter")
    # htmx brings the day's times and focus moves to them.
    page.locator("#times .time-button").first.wait_for()
    # A function: an expression would be eval'ed at each poll, which the site's CSP refuses.
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('#times')")
    assert page.evaluate("document.activeElement.tagName") == "H2"
    assert_screen_ok(page)

    practitioner = re.compile(r", with (Maya|Tom)$")
    when = rf"^{day:%A}\b.*\b{day.day}\b.*{day:%B}.*, 10:00, "  # the day's words, however dates are written
    focused = tab_to(page, lambda el: el["cls"] == "time-button" and bool(re.match(when, el["text"])))
    assert practitioner.search(focused["text"]), focused
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Book this session").wait_for()
    assert_screen_ok(page)
    tab_to(page, lambda el: el["text"] == "Book this session")
    page.keyboard.press("Enter")
    page.get_by_text("Booked.").first.wait_for()
    assert_screen_ok(page)
    booked = Appointment.objects.get(client=ava)
    assert booked.status == Appointment.Status.BOOKED
    assert focused["text"].endswith(f"with {booked.practitioner.user.get_short_name()}")
