# ruff: noqa: F811 (pytest fixtures imported from test_browser_booking are redefined as arguments)
"""In Chromium: the calendar's day notes ("12 free", "Not open yet", "Too soon") are never cut
short, on a phone or a laptop (issue 17, item 4)."""

import pytest

from bookings.tests.test_browser_booking import cleared, log_in, setup  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUT_SHORT = """() => [...document.querySelectorAll('.month-grid .day-note')]
  .filter(note => note.offsetParent !== null)
  .filter(note => {
    const cell = note.closest('td').getBoundingClientRect();
    const box = note.getBoundingClientRect();
    return note.scrollWidth > note.clientWidth + 1 || box.right > cell.right + 1 || box.bottom > cell.bottom + 1;
  })
  .map(note => note.textContent.trim())"""


@pytest.mark.parametrize("width", [360, 390, 768, 1366])
def test_no_day_note_is_cut_short(browser, live_server, setup, width):
    ava = cleared(first_name="Ava", last_name="Lindqvist", email="ava@example.com")
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, ava.email)
    page.get_by_role("link", name="Book a session").first.click()
    page.get_by_label("Face · 45 min").check()
    page.get_by_role("button", name="See available days").click()
    page.get_by_role("heading", name="Choose a day").wait_for()
    notes = page.locator(".month-grid .day-note")
    assert notes.count() > 0
    assert page.evaluate(CUT_SHORT) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
