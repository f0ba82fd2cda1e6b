"""The records pages in Chromium at 360 px (a small phone) and 1280 px: no sideways scrolling, no
CSP violation or console error (the ``browser`` fixture fails the test on either), and the
client's and the manager's main paths work by clicking."""

import pytest

from aftercare.tests.test_photos_browser import _log_in
from clinic.consent import unsubscribe_path
from clinic.tests.factories import ClientFactory, ManagerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
WIDTHS = ({"width": 360, "height": 780}, {"width": 1280, "height": 900})


def _pages(browser, live_server, user, pages, *, secret=None):
    state = None
    for viewport in WIDTHS:
        context = browser.new_context(base_url=live_server.url, viewport=viewport, storage_state=state)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if user is not None and state is None:
            _log_in(page, user, totp_secret=secret)
            state = context.storage_state()
        for url in pages:
            page.goto(url)
            assert page.evaluate(NO_OVERFLOW), f"{url} scrolls sideways at {viewport['width']} px"
        yield page, viewport
        context.close()


def test_the_client_pages_fit_a_phone_and_the_paths_work(browser, live_server, clinic_profile):
    client = ClientFactory()
    pages = ["/records/export/", "/records/marketing/", "/records/forget-me/"]
    for page, viewport in _pages(browser, live_server, client, pages):
        if viewport["width"] == 360:
            page.goto("/records/marketing/")
            page.get_by_label("E-mail").check()
            page.get_by_role("button", name="Save my choices").click()
            page.get_by_text("Your choices are saved").wait_for()
            page.goto("/records/export/")
            page.get_by_role("button", name="Prepare my records").click()
            page.get_by_text("We are preparing your file").wait_for()
    for page, _viewport in _pages(browser, live_server, None, [unsubscribe_path(person=client)]):
        page.get_by_role("button", name="Unsubscribe").click()
        page.get_by_text("You are unsubscribed").wait_for()
        break


def test_the_manager_pages_fit_a_phone(browser, live_server, clinic_profile):
    manager = ManagerFactory()
    client = ClientFactory()
    pages = ["/records/import/", "/records/erasures/", f"/records/clients/{client.pk}/"]
    for _page, _viewport in _pages(browser, live_server, manager, pages, secret=manager.totp_secret):
        pass
