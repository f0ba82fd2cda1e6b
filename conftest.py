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
    """Each test starts with an empty cache (rate limits, used TOTP codes)."""
    from django.core.cache import cache

    cache.clear()
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


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in their own thread, and our test code's ORM calls are plain sync code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under screenshots/ (git-ignored) and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
