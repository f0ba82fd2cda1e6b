"""Fixtures shared by every app's tests."""

import os
from pathlib import Path

import pytest

from clinic.models import ClinicProfile
from clinic.tests.factories import (
    ClientFactory,
    FrontDeskFactory,
    ManagerFactory,
    PractitionerFactory,
)

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _reference_data(request):
    """The rows data migrations install (the roles, consent text version 1, the default aftercare
    protocol), put back for every database test. A transactional test (browser, concurrency)
    ends with a flush of every table, which would otherwise leave the tests after it in a
    database no real installation ever has."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not (_DB_FIXTURES & set(request.fixturenames)):
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    reference_data_install()


def reference_data_install():
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    from aftercare.default_protocol import default_protocol_install
    from clinic.roles import Role

    for role in Role:
        Group.objects.get_or_create(name=role.value)
    consent = import_module("consultations.migrations.0002_first_consent_text")
    consent.create_first_version(apps, None)
    default_protocol_install(get_model=lambda name: apps.get_model("aftercare", name))


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (rate limits, used TOTP codes). Only this process's
    keys go: the test settings give each xdist process its own key prefix, and a FLUSHDB would also
    empty what the other process's tests keep in that Redis database (their rate-limit counters,
    queued tasks)."""
    from django.conf import settings
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    client = cache._cache.get_client(write=True)
    stale = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if stale:
        client.delete(*stale)
    yield


@pytest.fixture
def clinic_profile(db):
    profile = ClinicProfile.get()
    profile.name = "Lumen Skin Clinic"
    profile.phone = "+44 117 496 0123"
    profile.email = "hello@lumenskin.example"
    profile.time_zone = "Europe/London"
    profile.save()
    return profile


@pytest.fixture
def client_user(db):
    return ClientFactory()


@pytest.fixture
def front_desk(db):
    return FrontDeskFactory()


@pytest.fixture
def practitioner(db):
    return PractitionerFactory()


@pytest.fixture
def manager(db):
    return ManagerFactory()


# --- Browser tests -----------------------------------------------------------------------------


# Every page a browser test opens runs under the site's Content-Security-Policy; a violation, a
# script error or a console error fails the test. The listener is injected by Playwright (outside
# the page's policy) and reports each violation on the console, where the watcher below sees it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber} ${event.sample || ""}`);
});
"""
# A page that answers 4xx on purpose (a refused form, a 404 page) makes Chromium log the status
# of the document: that is the page doing its job, not a fault.
_DOCUMENT_STATUS = "Failed to load resource: the server responded with a status of 4"


class WatchedBrowser:
    """Chromium, with every context it opens watched for CSP violations, page errors, console
    errors and static files that fail to load. ``problems`` lists what was seen."""

    def __init__(self, chromium):
        self._chromium = chromium
        self.problems: list[str] = []
        self._contexts = []

    def new_context(self, **kwargs):
        context = self._chromium.new_context(**kwargs)
        context.add_init_script(script=CSP_LISTENER)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        context.on("response", self._response)
        self._contexts.append(context)
        return context

    def _console(self, message):
        if message.type == "error" and not message.text.startswith(_DOCUMENT_STATUS):
            self.problems.append(f"console error on {message.page.url if message.page else '?'}: {message.text}")

    def _response(self, response):
        if response.request.resource_type in ("script", "stylesheet", "image", "font") and response.status >= 400:
            self.problems.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    def close_contexts(self):
        for context in self._contexts:
            context.close()

    def __getattr__(self, name):
        return getattr(self._chromium, name)


@pytest.fixture(scope="session")
def chromium():
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in their own thread, and our test code's ORM calls are plain sync code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser(chromium):
    """The browser for one test: fails the test on any CSP violation or console error."""
    watched = WatchedBrowser(chromium)
    yield watched
    watched.close_contexts()
    assert watched.problems == [], "the browser reported:\n" + "\n".join(watched.problems)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under screenshots/ (git-ignored) and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
