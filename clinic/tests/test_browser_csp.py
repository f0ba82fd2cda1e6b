"""Every page of the site and of the Django admin, opened in Chromium on the demo clinic, under
the Content-Security-Policy: the ``browser`` fixture (root conftest) fails the test on any CSP
violation, page error or console error, so one inline ``style=``, ``onclick=`` or ``<script>``
anywhere fails here. The headers themselves are checked in ``test_security_headers``."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from clinic.tests.factories import log_in
from clinic.tests.test_site_crawl import ROUTES, build_site, cases

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    return build_site()


def signed_in(browser, live_server, user):
    """A browser page and a Django test client sharing one session of ``user``."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    session = Client()
    if user is not None:
        log_in(session, user)  # with the TOTP step recorded, as a real staff login leaves it
        context.add_cookies(
            [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page, session


def test_every_page_and_every_admin_page_run_under_the_policy(browser, live_server, demo):
    """One demo clinic (it takes a while to build) for every role's pages, then the admin's."""
    visited = {role: visit_every_page(browser, live_server, demo, role) for role in demo.users}
    assert all(visited.values()), visited
    visit_the_admin(browser, live_server, demo)


def visit_every_page(browser, live_server, demo, role) -> int:
    """The pages that answer ``role`` with a page of their own (200, HTML), and the refusal and
    not-found pages once. Files (PDFs, calendars) are downloads, redirects lead to pages visited
    anyway, POST-only addresses have no page."""
    page, session = signed_in(browser, live_server, demo.users[role])
    visited = 0
    account_pages = ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"] if role != "anonymous" else []
    for path in [cases(route, demo)[0].path for route in ROUTES] + account_pages:
        answer = session.get(path)
        if answer.status_code == 200 and answer.get("Content-Type", "").startswith("text/html"):
            assert page.goto(path).status == 200, f"{path} as {role}"
            visited += 1
    assert page.goto("/consultations/review/999999/").status in (200, 403, 404)  # anonymous: the login page
    assert page.goto("/no-such-page/").status == 404
    page.context.close()
    return visited


def visit_the_admin(browser, live_server, demo):
    """The Django admin keeps the site's policy: its pages (lists with filters and date
    hierarchy, read-only and editable forms with inlines, the horizontal filter, autocomplete
    and date widgets) load no inline script or style."""
    manager = demo.users["manager"]
    page, _ = signed_in(browser, live_server, manager)
    page.goto("/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        assert page.goto(reverse("admin:{}_{}_changelist".format(*info))).ok, info
        first = model.objects.order_by("pk").first()
        if first is not None:
            assert page.goto(reverse("admin:{}_{}_change".format(*info), args=[first.pk])).ok, info
        if model_admin.has_add_permission(_request_for(manager)):
            assert page.goto(reverse("admin:{}_{}_add".format(*info))).ok, info
    # The date widget's calendar opens (the admin's JS styles it through the CSSOM, which the
    # policy allows).
    page.goto(reverse("admin:bookings_clinicclosure_add"))
    page.locator("a[id^='calendarlink']").first.click()
    assert page.locator("#calendarbox0").is_visible()


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
