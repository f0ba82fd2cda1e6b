"""In a real browser: the practitioner records a session, the client finds the plan."""

import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps
from django.utils import timezone

from aftercare.default_protocol import default_protocol_install
from aftercare.models import AftercarePlan
from bookings.models import Appointment
from clinic.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _default_protocol():
    """A transactional test empties every table after it runs, the protocol the data migration
    installed included; without this, a browser test that ran earlier would leave this one
    without a protocol (the session completes, but no plan is made)."""
    default_protocol_install(get_model=lambda name: apps.get_model("aftercare", name))


def _log_in(page, user, *, totp_secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        page.get_by_label("Code").fill(format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30)))
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home/"))


def test_practitioner_records_the_session_and_the_client_gets_the_plan(
    page, browser, live_server, screenshot, session_setup
):
    started = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    appointment = session_setup(starts_at=started, max_mm="1.50")
    practitioner = appointment.practitioner.user
    _log_in(page, practitioner, totp_secret=practitioner.totp_secret)

    page.goto(f"/aftercare/appointments/{appointment.pk}/record/")
    page.get_by_label("Needle depth on the face (mm)").fill("2.0")
    page.get_by_label("Needle depth on the neck (mm)").fill("0.5")
    page.get_by_label("Device").fill("Dermapen 4")
    page.get_by_label("Cartridge lot number").fill("DP4-2026-0147")
    page.get_by_label("Expected redness").check()
    page.get_by_label("Note for the client").fill("<b>SPF</b> every morning, please.")
    page.get_by_role("button", name="Save and complete the session").click()

    face = page.get_by_label("Needle depth on the face (mm)")
    error = page.locator("#id_depth_face_error")
    assert "deeper than this client's clearance allows (1.50 mm at most)" in error.inner_text()
    assert face.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Cartridge lot number").input_value() == "DP4-2026-0147"  # nothing lost
    screenshot(page, "aftercare-record-error")
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.IN_TREATMENT

    face.fill("1.5")
    page.get_by_role("button", name="Save and complete the session").click()
    page.get_by_text("Session recorded and completed").wait_for()
    screenshot(page, "aftercare-plan-staff")
    plan = AftercarePlan.objects.get(appointment=appointment)
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.COMPLETED

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    client_page = phone.new_page()
    _log_in(client_page, appointment.client)
    client_page.get_by_role("button", name="Menu").click()
    client_page.get_by_role("link", name="My aftercare").click()
    client_page.get_by_role("link", name=plan.content["completed_on_label"]).click()
    client_page.get_by_role("heading", name="What to avoid, and until when").wait_for()
    assert "<b>SPF</b> every morning" in client_page.locator(".ac-note").inner_text()
    assert client_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(client_page, "aftercare-plan-client-375")
    with client_page.expect_download() as download:
        client_page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    phone.close()
